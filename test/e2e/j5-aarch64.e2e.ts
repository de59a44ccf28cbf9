/**
 * Journey 5 (aarch64): the same recipe built from Debian arm64 packages, flashed with our CLI
 * (config + grow) and booted with qemu-system-aarch64 -M virt and UEFI firmware: systemd-boot
 * for arm64, the arm64 cloud kernel, VG grown, config applied, inspect reports it.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detachAll } from '../../testkit/loop.js';
import { blankDisk, cli, GiB, IMAGE_ZST_AARCH64, inspect, lvmSizes, writeFileText } from './journey.js';
import { stopAllVms, Vm } from './qemu.js';

let dir = '';
beforeAll(async () => {
  if (!existsSync(IMAGE_ZST_AARCH64)) throw new Error(`${IMAGE_ZST_AARCH64} missing: run sh assets/reference-image/build.sh --arch aarch64 (after dpkg --add-architecture arm64 && apt-get update)`);
  dir = await mkdtemp(join(tmpdir(), '3os-e2e-j5-'));
});
afterAll(async () => {
  await stopAllVms();
  await detachAll();
  if (dir !== '' && process.env.THREEOS_E2E_KEEP !== '1') await rm(dir, { recursive: true, force: true });
});

describe('journey 5: aarch64 under qemu-system-aarch64 -M virt', () => {
  it('boots the arm64 image configured and grown', async () => {
    const t0 = Date.now();
    const disk = await blankDisk(dir, 'disk.img', 2 * GiB);
    const config = await writeFileText(dir, 'config.yaml', 'version: 1\nhostname: e2e-arm64\nusers:\n  - name: dave\ntimezone: UTC\n');
    await cli(['write', IMAGE_ZST_AARCH64, '--to', disk, '--config', config, '--json', '--yes']);
    const host = await lvmSizes(disk);
    expect(host.vgFree).toBe(0);
    const vm = new Vm(dir, disk, 'j5', 'aarch64');
    await vm.start();
    try {
      await vm.waitFor(/3os-initramfs: slot a: root/, 300_000, 'the arm64 initramfs');
      await vm.waitFor(/3os: up: slot a, hostname e2e-arm64, result applied/, 240_000, 'the boot summary');
      await vm.waitFor(/3os: agent done; console shell follows/, 120_000, 'the shell');
      const tBoot = Date.now();
      expect((await vm.sh('uname -m')).trim()).toBe('aarch64');
      expect((await vm.sh('hostname')).trim()).toBe('e2e-arm64');
      const [vgSize] = (await vm.sh('vgs --noheadings --units b --nosuffix -o vg_size 3os')).trim().split(/\s+/).map(Number);
      expect(vgSize).toBe(host.vgSize);
      const d = await vm.sh("dumpe2fs -h /dev/mapper/3os-containers 2>/dev/null | grep -E '^Block (count|size):'");
      expect(Number(/Block count:\s+(\d+)/.exec(d)?.[1]) * Number(/Block size:\s+(\d+)/.exec(d)?.[1])).toBe(host.lvs.containers);
      await vm.poweroff();
      const report = await inspect(disk);
      expect((report.result as { status?: string } | undefined)?.status).toBe('applied');
      console.log(`journey 5 (aarch64): flash ${((tBoot - t0) / 1000).toFixed(1)} s incl. boot to shell; total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      await vm.stop();
    }
  });
});
