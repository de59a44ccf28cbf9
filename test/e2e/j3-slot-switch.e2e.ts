/**
 * Journey 3: A/B slots. Over serial, mark B active: the next boot comes up on B (a trial that
 * blesses itself). Offline with `3os-flash slot`, switch back to A. Then put B on trial again
 * with a broken root: systemd-boot's boot counting uses up B's tries and falls back to A, which
 * takes the default back. The files on the LVs stay untouched throughout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detachAll } from '../../testkit/loop.js';
import { shOk } from '../../testkit/sh.js';
import { blankDisk, cli, IMAGE_ZST, partRange, requireImage, writeFileText } from './journey.js';
import { stopAllVms, Vm } from './qemu.js';

let dir = '';
beforeAll(async () => {
  requireImage();
  dir = await mkdtemp(join(tmpdir(), '3os-e2e-j3-'));
});
afterAll(async () => {
  await stopAllVms();
  await detachAll();
  if (dir !== '' && process.env.THREEOS_E2E_KEEP !== '1') await rm(dir, { recursive: true, force: true });
});

interface SlotJson {
  next?: string;
  defaultPattern?: string;
  a: { state: string };
  b: { state: string; triesLeft?: number };
}
const slotJson = async (args: string[]): Promise<SlotJson> => JSON.parse((await cli(['slot', ...args, '--json'])).out) as SlotJson;

describe('journey 3: slot switch and boot-counting fallback', () => {
  it('switches to B over serial and offline, and falls back to A when B does not boot', async () => {
    const t0 = Date.now();
    const disk = await blankDisk(dir, 'disk.img');
    const config = await writeFileText(dir, 'config.yaml', 'version: 1\nhostname: e2e-slots\n');
    await cli(['write', IMAGE_ZST, '--to', disk, '--config', config, '--json', '--yes']);
    const fresh = await slotJson([disk]);
    expect(fresh.next).toBe('a');
    expect(fresh.b.state).toBe('trying');

    const vm = new Vm(dir, disk, 'j3');
    await vm.start();
    try {
      // boot 1 (A): over serial, B becomes the default, reboot
      await vm.waitFor(/3os-initramfs: slot a: root/, 180_000, 'boot 1 on slot a');
      await vm.waitFor(/3os: serial provisioning on the console/, 120_000, 'the agent');
      const port = await vm.bridge();
      const set = await cli(['serial', 'slot', 'b', '--port', port, '--json', '--wait', '30']);
      expect(set.out).toMatch(/"default":\s*"b"/);
      await cli(['serial', 'reboot', '--port', port, '--json']);
      await vm.powerCycle();

      // boot 2 (B, on trial): comes up on B and blesses it; user data goes onto the LVs
      await vm.waitFor(/3os-initramfs: slot b: root/, 180_000, 'boot 2 on slot b');
      await vm.waitFor(/3os: slot b marked good/, 120_000, 'slot b blessed');
      await vm.waitFor(/3os: agent done; console shell follows/, 90_000, 'the shell');
      expect(await vm.sh('cat /proc/cmdline')).toContain('3os.slot=b');
      expect(await vm.sh('ls /boot/loader/entries')).toMatch(/3os-b\.conf/);
      await vm.sh('echo precious > /home/keep.txt; echo layer > /var/lib/containers/keep.txt; sync');
      await vm.poweroff();
      const tB = Date.now();

      // offline: back to A (a good slot: plain default)
      const toA = await slotJson([disk, 'a']);
      expect(toA.next).toBe('a');
      expect(toA.defaultPattern).toBe('3os-a.conf');
      expect(toA.b.state).toBe('good');
      await vm.start();
      await vm.waitFor(/3os-initramfs: slot a: root/, 180_000, 'boot 3 on slot a');
      await vm.waitFor(/3os: agent done; console shell follows/, 120_000, 'the shell');
      expect((await vm.sh('cat /home/keep.txt /var/lib/containers/keep.txt')).trim()).toBe('precious\nlayer');
      await vm.poweroff();
      const tA = Date.now();

      // offline: B on trial with 2 tries, and B's root broken: B fails twice, A takes over
      const trial = await slotJson([disk, 'b', '--try', '2']);
      expect(trial.next).toBe('b');
      expect(trial.b).toMatchObject({ state: 'trying', triesLeft: 2 });
      const p4 = await partRange(disk, 4);
      await shOk('dd', ['if=/dev/zero', `of=${disk}`, 'bs=1M', `seek=${p4.start / 1048576}`, 'count=1', 'conv=notrunc', 'status=none']);
      await vm.start();
      let failures = 0;
      for (;;) {
        const m = await vm.waitFor(/3os-initramfs: (slot a: root|FAILED)/, 180_000, 'a boot attempt');
        if (m[1] === 'slot a: root') break;
        failures++;
        expect(failures).toBeLessThanOrEqual(2);
        await vm.powerCycle();
      }
      expect(failures).toBe(2);
      await vm.waitFor(/3os: slot b failed to boot: rolled back to slot a/, 120_000, 'the rollback');
      await vm.waitFor(/3os: agent done; console shell follows/, 120_000, 'the shell');
      expect((await vm.sh('cat /home/keep.txt /var/lib/containers/keep.txt')).trim()).toBe('precious\nlayer');
      expect((await vm.sh('hostname')).trim()).toBe('e2e-slots');
      await vm.poweroff();
      const after = await slotJson([disk]);
      expect(after.next).toBe('a');
      expect(after.defaultPattern).toBe('3os-a.conf');
      expect(after.b).toMatchObject({ state: 'bad' });
      const tEnd = Date.now();
      console.log(`journey 3: to B over serial ${((tB - t0) / 1000).toFixed(1)} s, offline back to A ${((tA - tB) / 1000).toFixed(1)} s, failing B + fallback ${((tEnd - tA) / 1000).toFixed(1)} s`);
    } finally {
      await vm.stop();
    }
  });
});
