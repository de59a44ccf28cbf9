/**
 * Journey 2: flash without a config, boot, provision over the serial console with
 * `3os-flash serial push`; the agent applies and reports. A reboot (over serial) keeps the
 * config: /etc lives on the `etc` LV, the read-only root slot is byte-for-byte unchanged.
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
  dir = await mkdtemp(join(tmpdir(), '3os-e2e-j2-'));
});
afterAll(async () => {
  await stopAllVms();
  await detachAll();
  if (dir !== '' && process.env.THREEOS_E2E_KEEP !== '1') await rm(dir, { recursive: true, force: true });
});

async function sha256Of(file: string, start: number, size: number): Promise<string> {
  const out = await shOk('sh', ['-c', `dd if="${file}" bs=1M skip=${start / 1048576} count=${size / 1048576} status=none | sha256sum`]);
  return out.split(' ')[0] ?? '';
}

describe('journey 2: provision over serial, reboot keeps it', () => {
  it('applies a pushed config and keeps it across a reboot', async () => {
    const t0 = Date.now();
    const disk = await blankDisk(dir, 'disk.img');
    await cli(['write', IMAGE_ZST, '--to', disk, '--json', '--yes']);
    const config = await writeFileText(dir, 'config.yaml', [
      'version: 1',
      'hostname: e2e-serial',
      'users:',
      '  - name: bob',
      '    groups: [users]',
      'files:',
      '  - { path: /etc/motd, mode: "0644", contents: "provisioned over serial\\n" }',
      'timezone: UTC',
      '',
    ].join('\n'));

    const vm = new Vm(dir, disk, 'j2');
    await vm.start();
    try {
      await vm.waitFor(/3os: up: slot a, hostname 3os/, 180_000, 'the first boot');
      await vm.waitFor(/3os: serial provisioning on the console/, 30_000, 'the agent');
      const tBoot = Date.now();
      const port = await vm.bridge();
      const hello = await cli(['serial', 'hello', '--port', port, '--json', '--wait', '30']);
      expect(hello.out).toMatch(/"provisioned":\s*false|provisioned=0|"provisioned":0/);
      const push = await cli(['serial', 'push', config, '--port', port, '--json', '--wait', '30']);
      expect(push.out).toContain('applied');
      const status = await cli(['serial', 'status', '--port', port, '--json']);
      expect(status.out).toContain('applied');
      await vm.markNow();
      await cli(['serial', 'reboot', '--port', port, '--json']);
      await vm.powerCycle();
      const tPush = Date.now();

      // second boot: nothing to apply, the config is already there (persistent /etc)
      const up = await vm.waitFor(/3os: up: slot a, hostname (\S+),/, 180_000, 'the second boot');
      expect(up[1]).toBe('e2e-serial');
      await vm.waitFor(/3os: agent done; console shell follows/, 90_000, 'the end of the serve window');
      expect((await vm.console()).slice(vm.mark)).not.toContain('applying the first-boot config');
      const tReboot = Date.now();
      expect((await vm.sh('hostname')).trim()).toBe('e2e-serial');
      expect((await vm.sh('cat /etc/motd')).trim()).toBe('provisioned over serial');
      expect(await vm.sh('grep ^bob: /etc/passwd')).toMatch(/^bob:x:\d+:/m);
      expect(await vm.sh('grep ^users: /etc/group')).toMatch(/bob/);
      expect(await vm.sh('cat /etc/3os/provisioned')).toMatch(/^digest=[0-9a-f]{64}$/m);
      expect(await vm.sh('ls /run/3os/etc-lv/upper')).toMatch(/motd/);
      await vm.poweroff();

      // the read-only root slots are byte-for-byte the image's
      for (const index of [3, 4]) {
        const onDisk = await partRange(disk, index);
        const inImage = await partRange(IMAGE_RAW, index);
        expect(onDisk).toEqual(inImage);
        expect(await sha256Of(disk, onDisk.start, onDisk.size)).toBe(await sha256Of(IMAGE_RAW, inImage.start, inImage.size));
      }
      const report = await inspect(disk);
      expect((report.result as { status?: string } | undefined)?.status).toBe('applied');
      expect(JSON.stringify(report.config)).toContain('e2e-serial');
      console.log(`journey 2: flash ${((tBoot - t0) / 1000).toFixed(1)} s incl. first boot, serial hello+push+status+reboot ${((tPush - tBoot) / 1000).toFixed(1)} s, second boot ${((tReboot - tPush) / 1000).toFixed(1)} s`);
    } finally {
      await vm.stop();
    }
  });
});
