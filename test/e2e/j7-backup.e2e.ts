/**
 * Journey 7: backup, restore and clone. A used 3os disk (booted, files written into its LVs)
 * is backed up from a loop device with `3os-flash backup`; bmaptool copy of the backup gives the
 * same mapped bytes; `write BACKUP --to` a bigger card file restores it: sgdisk -v / vgck /
 * e2fsck -fn clean, grown, and it boots with the user's files. Then `clone` of the same device
 * to two card files with a CSV of hostnames: each boots with its own hostname and its own
 * machine-id (the agent's identity reset). The source's sha256 never changes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDisk } from '../../flasher/disk-io.js';
import { parseBmap } from '../../flasher/source/bmap.js';
import { lvByteRange, readPhysicalVolume } from '../../provisioning/lvm/index.js';
import { readAt, sha256Of } from '../../testkit/file-bytes.js';
import { attachLoop, detachAll, detachLoop } from '../../testkit/loop.js';
import { lvmRun } from '../../testkit/lvm.js';
import { sh, shOk } from '../../testkit/sh.js';
import { blankDisk, cli, GiB, IMAGE_ZST, partRange, requireImage, writeFileText } from './journey.js';
import { stopAllVms, Vm } from './qemu.js';

let dir = '';
let disk = '';
let src = '';
let srcSha = '';
let blobSha = '';
beforeAll(async () => {
  requireImage();
  dir = await mkdtemp(join(tmpdir(), '3os-e2e-j7-'));
});
afterAll(async () => {
  await stopAllVms();
  await detachAll();
  if (dir !== '' && process.env.THREEOS_E2E_KEEP !== '1') await rm(dir, { recursive: true, force: true });
});



/** sgdisk -v, vgck and e2fsck -fn on every LV with an ext4 file system. */
async function toolsClean(file: string): Promise<void> {
  expect(await shOk('sgdisk', ['-v', file])).toContain('No problems found');
  const p5 = await partRange(file, 5);
  const pvDev = await attachLoop(file, { offset: p5.start, sizeLimit: p5.size, readOnly: true });
  const ck = await lvmRun(pvDev, 'vgck', '3os');
  expect(ck.code, ck.text).toBe(0);
  await detachLoop(pvDev);
  const d = await openDisk(file);
  try {
    const pv = await readPhysicalVolume(d, p5.start, p5.size);
    for (const lv of pv.vg.lvs) {
      const [r] = lvByteRange(pv, lv.name);
      if (r === undefined) continue;
      const dev = await attachLoop(file, { offset: r.start, sizeLimit: r.length, readOnly: true });
      const magic = (await readAt(dev, 1024 + 0x38, 2)).readUInt16LE(0);
      if (magic === 0xef53) {
        const f = await sh('e2fsck', ['-fn', dev]);
        expect(f.code, `${lv.name}: ${f.text}`).toBe(0);
      }
      await detachLoop(dev);
    }
  } finally {
    await d.close();
  }
}

describe('journey 7: backup, restore, clone', () => {
  it('backs up a used disk, restores it to a bigger card that boots with the files', async () => {
    const t0 = Date.now();
    disk = await blankDisk(dir, 'disk.img');
    const config = await writeFileText(dir, 'config.yaml', 'version: 1\nhostname: e2e-backup\nusers:\n  - name: carol\n');
    await cli(['write', IMAGE_ZST, '--to', disk, '--config', config, '--json', '--yes']);
    const vm = new Vm(dir, disk, 'j7-source');
    await vm.start();
    try {
      await vm.waitFor(/3os: agent done; console shell follows/, 180_000, 'the first boot');
      await vm.sh('echo "carol was here" > /home/carol/notes.txt; mkdir -p /var/lib/containers/store; dd if=/dev/urandom of=/var/lib/containers/store/blob bs=1M count=24 2>/dev/null; sync');
      blobSha = (await vm.sh('sha256sum /var/lib/containers/store/blob')).trim().split(/\s+/)[0] ?? '';
      expect(blobSha).toMatch(/^[0-9a-f]{64}$/);
      await vm.poweroff();
    } finally {
      await vm.stop();
    }
    const tUsed = Date.now();

    src = await attachLoop(disk, { readOnly: true });
    srcSha = await sha256Of(src);
    const out = join(dir, 'card.img.zst');
    const b = await cli(['backup', src, '--to', out, '--yes', '--json']);
    const summary = JSON.parse(b.out.trim().split('\n').at(-1) ?? '{}') as { backup: { map: { understood: boolean; mappedBytes: number }; disk: { hostname?: string } } };
    expect(summary.backup.map.understood).toBe(true);
    expect(summary.backup.disk.hostname).toBe('e2e-backup');
    expect(summary.backup.map.mappedBytes).toBeLessThan(2 * GiB);
    expect((await sh('zstd', ['-tq', out])).code).toBe(0);
    expect((await sh('sha256sum', ['-c', `${out}.sha256`], { cwd: dir })).code).toBe(0);
    const tBackup = Date.now();

    // bmaptool copy of our bmap + image reproduces every mapped byte.
    const copy = join(dir, 'bmaptool-copy.img');
    const bt = await sh('bmaptool', ['copy', out, copy]);
    expect(bt.code, bt.text).toBe(0);
    const bmap = parseBmap(await readFile(`${out}.bmap`));
    for (const r of bmap.ranges) {
      const s = r.first * bmap.blockSize;
      const len = Math.min((r.last + 1) * bmap.blockSize, bmap.imageSize) - s;
      for (let o = 0; o < len; o += 16 << 20) {
        const l = Math.min(16 << 20, len - o);
        if (!(await readAt(disk, s + o, l)).equals(await readAt(copy, s + o, l))) throw new Error(`mapped bytes differ at ${s + o}`);
      }
    }
    await rm(copy);

    // Restore to a bigger card: grown, clean, boots with the files.
    const bigger = await blankDisk(dir, 'bigger.img', 6 * GiB);
    const w = await cli(['write', out, '--to', bigger, '--yes', '--json']);
    expect(w.out).toMatch(/"grown":\{[^}]*"changed":true/);
    await toolsClean(bigger);
    const vm2 = new Vm(dir, bigger, 'j7-restored');
    await vm2.start();
    try {
      await vm2.waitFor(/3os: up: slot a, hostname e2e-backup/, 180_000, 'the restored boot');
      await vm2.waitFor(/3os: agent done; console shell follows/, 90_000, 'the shell');
      expect((await vm2.sh('cat /home/carol/notes.txt')).trim()).toBe('carol was here');
      expect((await vm2.sh('sha256sum /var/lib/containers/store/blob')).trim().split(/\s+/)[0]).toBe(blobSha);
      await vm2.poweroff();
    } finally {
      await vm2.stop();
    }
    expect(await sha256Of(src)).toBe(srcSha);
    console.log(`journey 7: flash+use ${((tUsed - t0) / 1000).toFixed(1)} s, backup ${((tBackup - tUsed) / 1000).toFixed(1)} s (${(bmap.mappedBytes / 2 ** 20).toFixed(0)} MiB mapped of 4096), restore+checks+boot ${((Date.now() - tBackup) / 1000).toFixed(1)} s`);
  });

  it('clones the device to two cards with a CSV of hostnames: each its own hostname and machine-id', async () => {
    expect(srcSha).not.toBe('');
    // testkit detaches a test's loop devices after it: the same disk, read-only again.
    src = await attachLoop(disk, { readOnly: true });
    const targets = [await blankDisk(dir, 'clone1.img'), await blankDisk(dir, 'clone2.img')];
    const config = await writeFileText(dir, 'clone.yaml', 'version: 1\nhostname: edge-{index:03}\nusers:\n  - name: carol\n');
    const csv = await writeFileText(dir, 'hosts.csv', 'hostname\nline-north\nline-south\n');
    await cli(['clone', src, ...targets.flatMap((t) => ['--to', t]), '--config', config, '--csv', csv, '--yes', '--json']);
    const ids: string[] = [];
    for (const [i, t] of targets.entries()) {
      const host = i === 0 ? 'line-north' : 'line-south';
      await toolsClean(t);
      const vm = new Vm(dir, t, `j7-clone${i + 1}`);
      await vm.start();
      try {
        await vm.waitFor(new RegExp(`3os: up: slot a, hostname ${host}`), 180_000, `clone ${i + 1}'s boot`);
        await vm.waitFor(/3os: agent done; console shell follows/, 90_000, 'the shell');
        expect((await vm.sh('hostname')).trim()).toBe(host);
        ids.push((await vm.sh('cat /etc/machine-id')).trim());
        expect(await vm.sh('cat /etc/3os/identity-reset')).toMatch(/^clone_id=/m);
        expect((await vm.sh('cat /home/carol/notes.txt')).trim()).toBe('carol was here');
        await vm.poweroff();
      } finally {
        await vm.stop();
      }
    }
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[1]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(await sha256Of(src)).toBe(srcSha);
  });
});
