// Power loss at every point of a grow: whichever write is the last to reach the disk, each
// metadata area the label points to must hold a valid copy (old or new), our reader and LVM
// must still read the VG, and a second run must finish the job. Also: dry runs write nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import { openDisk, type DiskIO } from '../../../flasher/disk-io.js';
import { growVolumeGroup, readPhysicalVolume } from '../../../provisioning/lvm/index.js';
import { LoopDisk, tempDir } from './lvm-fixture.js';

const MiB = 1024 * 1024;
let dir = '';
afterEach(async () => {
  if (dir !== '') await fsp.rm(dir, { recursive: true, force: true });
  dir = '';
});

class PowerCut extends Error {}

/** A DiskIO whose writes stop reaching the disk after `budget` of them. */
function cutAfter(io: DiskIO, budget: number): DiskIO & { writes: number } {
  const w = {
    writes: 0,
    path: io.path,
    size: io.size,
    sectorSize: io.sectorSize,
    read: (o: number, l: number) => io.read(o, l),
    write: async (o: number, d: Uint8Array) => {
      if (w.writes >= budget) throw new PowerCut('power cut');
      w.writes++;
      await io.write(o, d);
    },
    flush: () => io.flush(),
    close: () => io.close(),
  };
  return w;
}

async function makeImage(pvcreate: string[]): Promise<string> {
  dir = await tempDir('lvm-cut-');
  const d = await LoopDisk.create(dir, 'base.img', 64 * MiB);
  try {
    await d.lvm('pvcreate', ...pvcreate, d.dev);
    await d.lvm('vgcreate', '3os', d.dev);
    await d.lvm('lvcreate', '-an', '-Zn', '-n', 'etc', '-L', '8M', '3os');
    await d.lvm('lvcreate', '-an', '-Zn', '-n', 'containers', '-L', '8M', '3os');
  } finally {
    await d.detach();
  }
  await fsp.truncate(d.file, 256 * MiB);
  return d.file;
}

describe.each([
  ['one metadata area', [] as string[]],
  ['two metadata areas', ['--pvmetadatacopies', '2']],
])('power loss during growVolumeGroup (%s)', (_name, pvcreate) => {
  it('leaves old or new valid metadata after every possible last write', async () => {
    const base = await makeImage(pvcreate);
    const before = await (async () => {
      const io = await openDisk(base);
      try {
        return await readPhysicalVolume(io, 0, io.size);
      } finally {
        await io.close();
      }
    })();
    let completed = false;
    for (let budget = 0; !completed; budget++) {
      expect(budget).toBeLessThan(50);
      const file = `${base}.${budget}`;
      await fsp.copyFile(base, file);
      const raw = await openDisk(file, { writable: true });
      const io = cutAfter(raw, budget);
      try {
        await growVolumeGroup(io, 0, io.size);
        completed = true;
      } catch (e) {
        if (!(e instanceof PowerCut)) throw e;
      }
      // After the cut: every mda the label points to holds a valid copy, old or new.
      const pv = await readPhysicalVolume(raw, 0, raw.size);
      expect([before.vg.seqno, before.vg.seqno + 1]).toContain(pv.vg.seqno);
      for (const m of pv.mdas) expect(m.text).toBeDefined();
      if (pv.vg.seqno === before.vg.seqno) expect(pv.vg.pv.peCount).toBe(before.vg.pv.peCount);
      // A second run (the user retries) reaches the final state.
      const again = await growVolumeGroup(raw, 0, raw.size);
      const fin = await readPhysicalVolume(raw, 0, raw.size);
      expect(fin.vg.pv.peCount).toBe(Math.floor((256 * MiB - MiB - (pvcreate.length > 0 ? MiB : 0)) / (4 * MiB)));
      expect(fin.inconsistent).toBe(false);
      expect(again.pv.freeExtentsAfter).toBe(0);
      await raw.close();
      // LVM agrees.
      const d = await LoopDisk.attach(file);
      try {
        await d.lvm('vgck', '3os');
        const lvs = await d.lvm('lvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'lv_size', '3os/containers');
        expect(Number(lvs.trim())).toBe(fin.vg.lvs.find((l) => l.name === 'containers')?.extents as number * 4 * MiB);
      } finally {
        await d.detach();
      }
      await fsp.rm(file);
    }
  });
});

describe('dry run', () => {
  it('reports the plan and writes nothing', async () => {
    const base = await makeImage([]);
    const original = await fsp.readFile(base);
    const io = await openDisk(base, { writable: true });
    try {
      const res = await growVolumeGroup(io, 0, io.size, { dryRun: true });
      expect(res.changed).toBe(true);
      expect(res.dryRun).toBe(true);
      expect(res.seqnoAfter).toBe(res.seqnoBefore);
      expect(res.pv.peCountAfter).toBe(Math.floor((256 * MiB - MiB) / (4 * MiB)));
      expect(res.growFilesystems).toEqual(['containers']);
    } finally {
      await io.close();
    }
    expect((await fsp.readFile(base)).equals(original)).toBe(true);
  });
});
