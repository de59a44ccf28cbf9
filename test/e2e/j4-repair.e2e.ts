/**
 * Journey 4: repair. A used disk (configured, with the user's files on its LVs) gets its root
 * slots damaged; `3os-flash repair` rewrites 3os-boot and both root slots from the image, the
 * data volume is not touched (byte-for-byte), the config and result stay, and the next boot
 * finds the user's files and settings.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detachAll } from '../../testkit/loop.js';
import { shOk } from '../../testkit/sh.js';
import { blankDisk, cli, IMAGE_RAW, IMAGE_ZST, inspect, partRange, requireImage, writeFileText } from './journey.js';
import { stopAllVms, Vm } from './qemu.js';

let dir = '';
beforeAll(async () => {
  requireImage();
  dir = await mkdtemp(join(tmpdir(), '3os-e2e-j4-'));
});
afterAll(async () => {
  await stopAllVms();
  await detachAll();
  if (dir !== '' && process.env.THREEOS_E2E_KEEP !== '1') await rm(dir, { recursive: true, force: true });
});

async function sha(file: string, index: number): Promise<string> {
  const p = await partRange(file, index);
  const out = await shOk('sh', ['-c', `dd if="${file}" bs=1M skip=${p.start / 1048576} count=${p.size / 1048576} status=none | sha256sum`]);
  return out.split(' ')[0] ?? '';
}

describe('journey 4: repair keeps the data', () => {
  it('rewrites the root slots from the image and the user finds their files', async () => {
    const t0 = Date.now();
    const disk = await blankDisk(dir, 'disk.img');
    const config = await writeFileText(dir, 'config.yaml', 'version: 1\nhostname: e2e-repair\nusers:\n  - name: carol\n');
    await cli(['write', IMAGE_ZST, '--to', disk, '--config', config, '--json', '--yes']);
    const vm = new Vm(dir, disk, 'j4');
    await vm.start();
    try {
      await vm.waitFor(/3os: agent done; console shell follows/, 180_000, 'the first boot');
      await vm.sh('echo "carol was here" > /home/carol/notes.txt; mkdir -p /var/lib/containers/store; echo layer > /var/lib/containers/store/blob; sync');
      await vm.poweroff();
      const tUsed = Date.now();

      // damage both root slots and the boot loader's entries area
      for (const index of [3, 4]) {
        const p = await partRange(disk, index);
        await shOk('dd', ['if=/dev/urandom', `of=${disk}`, 'bs=1M', `seek=${p.start / 1048576}`, 'count=2', 'conv=notrunc', 'status=none']);
      }
      expect(await sha(disk, 3)).not.toBe(await sha(IMAGE_RAW, 3));
      const dataBefore = await sha(disk, 5);
      const configBefore = (await inspect(disk)).config;

      const r = await cli(['repair', IMAGE_ZST, '--to', disk, '--json', '--yes']);
      const out = JSON.parse(r.out) as { partitions: { name: string }[] };
      expect(out.partitions.map((p) => p.name)).toEqual(['3os-boot', '3os-root-a', '3os-root-b']);
      for (const index of [3, 4]) expect(await sha(disk, index)).toBe(await sha(IMAGE_RAW, index));
      expect(await sha(disk, 5)).toBe(dataBefore);
      const report = await inspect(disk);
      expect(report.config).toEqual(configBefore);
      expect((report.result as { status?: string } | undefined)?.status).toBe('applied');
      expect(await shOk('sgdisk', ['-v', disk])).toContain('No problems found');
      const tRepair = Date.now();

      await vm.start();
      await vm.waitFor(/3os-initramfs: slot a: root/, 180_000, 'the boot after repair');
      await vm.waitFor(/3os: up: slot a, hostname e2e-repair/, 120_000, 'the boot summary');
      await vm.waitFor(/3os: agent done; console shell follows/, 90_000, 'the shell');
      expect((await vm.console()).slice(vm.mark)).not.toContain('applying the first-boot config');
      expect((await vm.sh('cat /home/carol/notes.txt')).trim()).toBe('carol was here');
      expect((await vm.sh('cat /var/lib/containers/store/blob')).trim()).toBe('layer');
      expect(await vm.sh('grep ^carol: /etc/passwd')).toMatch(/^carol:x:/m);
      await vm.poweroff();
      console.log(`journey 4: flash+use ${((tUsed - t0) / 1000).toFixed(1)} s, damage+repair+checks ${((tRepair - tUsed) / 1000).toFixed(1)} s, boot after repair ${((Date.now() - tRepair) / 1000).toFixed(1)} s`);
    } finally {
      await vm.stop();
    }
  });
});
