/**
 * Partition-table grow against the real tools: disks made by sgdisk/sfdisk, grown by us, judged by
 * `sgdisk -v` / `sfdisk --verify`, and compared with what `sgdisk -e` + sfdisk `', +'` make of a copy
 * of the same disk (byte for byte: libfdisk's output is the reference, disk-formats.md §3.7/§4.3).
 * Image files and loop devices (512- and 4096-byte logical sectors).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDisk, type DiskIO } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';
import { find3osPartitions, growDataPartition, randomizeDiskGuid, readPartitionTable } from '../../provisioning/partition/index.js';
import type { GrowOptions } from '../../provisioning/partition/index.js';
import type { GrowTableResult } from '../../provisioning/partition/types.js';
import {
  attach,
  attached,
  detach,
  detachAll,
  flashCopy,
  make3osGpt,
  make3osMbr,
  mustRun,
  referenceGrowGpt,
  referenceGrowMbr,
  run,
  sameBytes,
  sameRegions,
  snapshot,
  sfdiskDump,
  sfdiskJson,
  sgdiskPrint,
  sgdiskVerify,
} from './partition-tools.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
let dir = '';
let gptImage = '';
let mbrImage = '';

async function withDisk<T>(path: string, fn: (d: DiskIO) => Promise<T>, sectorSize?: number): Promise<T> {
  const d = await openDisk(path, { writable: true, ...(sectorSize === undefined ? {} : { sectorSize }) });
  try {
    return await fn(d);
  } finally {
    await d.close();
  }
}

const grow = (path: string, opts?: GrowOptions): Promise<GrowTableResult> => withDisk(path, (d) => growDataPartition(d, opts));

/** Flip all bits of one byte of a file in place. */
function corruptByte(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, offset);
    b[0] = (b[0] ?? 0) ^ 0xff;
    writeSync(fd, b, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * Our grown disk equals the tools' grown disk. Both start as the same sparse copy; we compare the
 * image area and the last MiB, after checking that every write we made lies inside them (sfdisk
 * and sgdisk only write table sectors, in the same places). A whole-file cmp of a GiB file is done
 * once, in the image-file test; repeating it everywhere costs minutes on a busy machine.
 */
function expectSameAsReference(ours: string, ref: string, size: number, r: GrowTableResult): void {
  const regions = [[0, 64 * MiB], [size - MiB, MiB]] as const;
  for (const w of r.writes) {
    expect(regions.some(([o, l]) => w.offset >= o && w.offset + w.length <= o + l), `write ${w.what} at ${w.offset}`).toBe(true);
  }
  expect(sameRegions(ours, ref, regions)).toBe(true);
}

function expectSgdiskClean(dev: string): void {
  const v = sgdiskVerify(dev);
  expect(v.text).toMatch(/No problems found/);
  expect(v.status).toBe(0);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), '3os-partition-'));
  gptImage = join(dir, '3os-gpt.img');
  writeFileSync(gptImage, '');
  mustRun('truncate', ['-s', '64M', gptImage]);
  make3osGpt(gptImage);
  mbrImage = join(dir, '3os-mbr.img');
  writeFileSync(mbrImage, '');
  mustRun('truncate', ['-s', '64M', mbrImage]);
  make3osMbr(mbrImage);
});

afterEach(() => {
  detachAll();
});

afterAll(() => {
  detachAll();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('GPT grow against sgdisk/sfdisk', () => {
  it('reads the sgdisk-made 3os layout by label', async () => {
    const t = await withDisk(gptImage, readPartitionTable);
    const l = find3osPartitions(t);
    const j = sfdiskJson(gptImage).partitiontable;
    const byName = new Map(j.partitions.map((p) => [p.name, p]));
    for (const [role, label] of [['boot', '3os-boot'], ['config', '3os-config'], ['rootA', '3os-root-a'], ['rootB', '3os-root-b'], ['data', '3os-data']] as const) {
      const real = byName.get(label);
      expect({ start: l[role]?.start, size: l[role]?.size }).toEqual({ start: (real?.start ?? -1) * 512, size: (real?.size ?? -1) * 512 });
    }
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.diskGuid.toUpperCase()).toBe(j.id);
  });

  it('grows an image file to 1 GiB byte-identically to sgdisk -e + sfdisk -N 5', async () => {
    const ours = join(dir, 'ours.img');
    const ref = join(dir, 'ref.img');
    flashCopy(gptImage, ours, GiB);
    flashCopy(gptImage, ref, GiB);
    const r = await grow(ours);
    referenceGrowGpt(ref, 5);
    expect(r).toMatchObject({ changed: true, kind: 'gpt', index: 5, backupMoved: true, after: { start: 45 * MiB, size: (2097118 - 45 * 2048 + 1) * 512 } });
    expectSgdiskClean(ours);
    mustRun('sfdisk', ['--verify', ours]);
    expect(sfdiskDump(ours)).toBe(sfdiskDump(ref));
    expect(sgdiskPrint(ours)).toBe(sgdiskPrint(ref));
    const j = sfdiskJson(ours).partitiontable;
    expect(j.lastlba).toBe(2097118);
    expect(j.partitions[4]).toMatchObject({ start: 45 * 2048, size: 2097118 - 45 * 2048 + 1 });
    expect(sameBytes(ours, ref)).toBe(true);
  });

  it('grows a loop device (512-byte sectors) and matches the tools', async () => {
    const ours = join(dir, 'loop-ours.img');
    const ref = join(dir, 'loop-ref.img');
    flashCopy(gptImage, ours, GiB);
    flashCopy(gptImage, ref, GiB);
    const dev = attach(ours);
    const refDev = attach(ref);
    const r = await grow(dev);
    expect(r.diskSize).toBe(GiB);
    referenceGrowGpt(refDev, 5);
    expectSgdiskClean(dev);
    expect(sfdiskDump(dev)).toBe(sfdiskDump(refDev));
    detach(dev);
    detach(refDev);
    expectSameAsReference(ours, ref, GiB, r);
  });

  it('is a no-op on a disk that is already grown, and on the full-size image itself', async () => {
    const ours = join(dir, 'noop.img');
    flashCopy(gptImage, ours, 256 * MiB);
    expect((await grow(ours)).changed).toBe(true);
    snapshot(ours, `${ours}.before`);
    const again = await grow(ours);
    expect(again).toMatchObject({ changed: false, backupMoved: false, writes: [] });
    expect(again.after).toEqual(again.before);
    expect(sameBytes(ours, `${ours}.before`)).toBe(true);
    // an sgdisk disk whose last partition already ends at the last usable LBA
    const full = join(dir, 'full.img');
    flashCopy(gptImage, full, 64 * MiB);
    mustRun('sfdisk', ['--no-reread', '-N', '5', full], ', +\n');
    snapshot(full, `${full}.before`);
    expect((await grow(full)).changed).toBe(false);
    expect(sameBytes(full, `${full}.before`)).toBe(true);
  });

  it('dry-run plans without writing', async () => {
    const ours = join(dir, 'dry.img');
    flashCopy(gptImage, ours, 256 * MiB);
    snapshot(ours, `${ours}.before`);
    const dry = await grow(ours, { dryRun: true });
    expect(dry).toMatchObject({ changed: true, dryRun: true });
    expect(sameBytes(ours, `${ours}.before`)).toBe(true);
    expect(sgdiskVerify(ours).text).toMatch(/secondary header.*not at the end|problem/i);
  });

  it('detects a corrupted primary header CRC (as sgdisk does) and only rebuilds it when asked', async () => {
    const ours = join(dir, 'crc.img');
    const ref = join(dir, 'crc-ref.img');
    flashCopy(gptImage, ours, 256 * MiB);
    flashCopy(gptImage, ref, 256 * MiB);
    corruptByte(ours, 512 + 60); // a byte of the disk GUID in the primary header
    // sanity: sgdisk sees the damage too (on the unextended image, where it finds the backup)
    const small = join(dir, 'crc-small.img');
    flashCopy(gptImage, small, 64 * MiB);
    corruptByte(small, 512 + 60);
    expect(sgdiskVerify(small).text).toMatch(/main GPT header.*(corrupt|invalid)|CRC/i);
    snapshot(ours, `${ours}.before`);
    const t = await withDisk(ours, readPartitionTable);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.primary.ok).toBe(false);
    if (!t.primary.ok) expect(t.primary.problem).toMatch(/header CRC mismatch/);
    expect(t.backup).toEqual({ ok: true, lba: 131071 });
    const e: unknown = await grow(ours).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(FlashError);
    expect((e as FlashError).code).toBe('E_PARTITION_TABLE');
    expect(sameBytes(ours, `${ours}.before`)).toBe(true);
    const r = await grow(ours, { repair: true });
    expect(r.repaired).toBe('primary');
    expectSgdiskClean(ours);
    referenceGrowGpt(ref, 5);
    expect(sameBytes(ours, ref)).toBe(true);
  });

  it('refuses when 3os-data is not the last partition, leaving the disk untouched', async () => {
    const img = join(dir, 'notlast.img');
    writeFileSync(img, '');
    mustRun('truncate', ['-s', '64M', img]);
    mustRun('sgdisk', ['-n', '1:1M:+8M', '-t', '1:ef00', '-c', '1:3os-boot', '-n', '2:0:+8M', '-t', '2:8e00', '-c', '2:3os-data', '-n', '3:0:+8M', '-t', '3:8300', '-c', '3:extra', img]);
    mustRun('truncate', ['-s', '256M', img]);
    snapshot(img, `${img}.before`);
    const e: unknown = await grow(img).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(FlashError);
    expect((e as FlashError).code).toBe('E_GROW');
    expect((e as FlashError).message).toMatch(/partition 2 is not the last partition on the disk: partition 3 \("extra"\)/);
    expect(sameBytes(img, `${img}.before`)).toBe(true);
  });

  it('randomizes the disk GUID; sgdisk still finds no problem and partition GUIDs stay', async () => {
    const ours = join(dir, 'guid.img');
    flashCopy(gptImage, ours, 64 * MiB);
    const before = sfdiskJson(ours).partitiontable;
    const r = await withDisk(ours, (d) => randomizeDiskGuid(d));
    expectSgdiskClean(ours);
    const after = sfdiskJson(ours).partitiontable;
    expect(after.id).toBe(r.after?.toUpperCase());
    expect(after.id).not.toBe(before.id);
    expect(after.partitions).toEqual(before.partitions);
  });
});

describe('GPT on 4096-byte sectors', () => {
  it('grows a 4Kn loop device with a GPT made by sgdisk on it, like sfdisk does', async () => {
    const base = join(dir, '4k-base.img');
    writeFileSync(base, '');
    mustRun('truncate', ['-s', '64M', base]);
    const mk = attach(base, 4096);
    make3osGpt(mk, 4096);
    detach(mk);
    const ours = join(dir, '4k-ours.img');
    const ref = join(dir, '4k-ref.img');
    flashCopy(base, ours, GiB);
    flashCopy(base, ref, GiB);
    const dev = attach(ours, 4096);
    const refDev = attach(ref, 4096);
    const r = await grow(dev);
    expect(r).toMatchObject({ changed: true, sectorSize: 4096, after: { start: 45 * MiB, size: (262138 - 45 * 256 + 1) * 4096 } });
    expectSgdiskClean(dev);
    referenceGrowGpt(refDev, 5);
    expect(sfdiskDump(dev)).toBe(sfdiskDump(refDev));
    expect(sfdiskJson(dev).partitiontable).toMatchObject({ sectorsize: 4096, lastlba: 262138 });
    detach(dev);
    detach(refDev);
    expectSameAsReference(ours, ref, GiB, r);
  });

  it('refuses a 512-byte-sector image on a 4096-byte-sector target with a clear error', async () => {
    const ours = join(dir, 'mismatch.img');
    flashCopy(gptImage, ours, 256 * MiB);
    snapshot(ours, `${ours}.before`);
    const dev = attach(ours, 4096);
    const ops: ((d: DiskIO) => Promise<unknown>)[] = [(d) => readPartitionTable(d), (d) => growDataPartition(d)];
    for (const op of ops) {
      const e: unknown = await withDisk(dev, op).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(FlashError);
      expect((e as FlashError).code).toBe('E_PARTITION_TABLE');
      expect((e as FlashError).message).toMatch(/image built for 512-byte sectors, target uses 4096/);
    }
    detach(dev);
    expect(sameBytes(ours, `${ours}.before`)).toBe(true);
  });
});

describe('MBR grow against sfdisk', () => {
  it('grows p6 (data) and the p4 container byte-identically to sfdisk, sfdisk --verify clean', async () => {
    const ours = join(dir, 'mbr-ours.img');
    const ref = join(dir, 'mbr-ref.img');
    flashCopy(mbrImage, ours, GiB);
    flashCopy(mbrImage, ref, GiB);
    const t = await withDisk(ours, readPartitionTable);
    expect(t.partitions.map((p) => p.role)).toEqual(['boot', 'config', 'rootA', undefined, 'rootB', 'data']);
    const r = await grow(ours);
    expect(r).toMatchObject({ changed: true, kind: 'mbr', index: 6 });
    referenceGrowMbr(ref, [4, 6]);
    const v = mustRun('sfdisk', ['--verify', ours]);
    expect(v.text).toMatch(/No errors detected/);
    expect(sfdiskDump(ours)).toBe(sfdiskDump(ref));
    const p6 = sfdiskJson(ours).partitiontable.partitions[5];
    expect(p6).toMatchObject({ size: 2097152 - (p6?.start ?? 0) });
    expect(r.after).toEqual({ start: (p6?.start ?? 0) * 512, size: (p6?.size ?? 0) * 512 });
    expectSameAsReference(ours, ref, GiB, r);
    expect((await grow(ours)).changed).toBe(false);
  });

  it('grows a primary-only last partition like sfdisk, on a loop device', async () => {
    const base = join(dir, 'prim.img');
    writeFileSync(base, '');
    mustRun('truncate', ['-s', '64M', base]);
    mustRun('sfdisk', ['--no-reread', base], 'label: dos\nstart=2048, size=8M, type=c\nsize=16M, type=83\n');
    const ours = join(dir, 'prim-ours.img');
    const ref = join(dir, 'prim-ref.img');
    // 12 GiB: beyond the CHS limit, so the end CHS is capped (FE FF FF)
    flashCopy(base, ours, 12 * GiB);
    flashCopy(base, ref, 12 * GiB);
    const dev = attach(ours);
    const r = await grow(dev, { partition: 'last' });
    expect(r).toMatchObject({ index: 2, after: { size: (12 * 2097152 - 18432) * 512 } });
    expect(mustRun('sfdisk', ['--verify', dev]).text).toMatch(/No errors detected/);
    detach(dev);
    referenceGrowMbr(ref, [2]);
    expect(sfdiskDump(ours)).toBe(sfdiskDump(ref));
    expectSameAsReference(ours, ref, 12 * GiB, r);
  });

  it('leaves the MBR disk signature alone when asked for a new disk GUID', async () => {
    const ours = join(dir, 'mbr-guid.img');
    flashCopy(mbrImage, ours, 64 * MiB);
    snapshot(ours, `${ours}.before`);
    expect(await withDisk(ours, (d) => randomizeDiskGuid(d))).toEqual({ changed: false, kind: 'mbr' });
    expect(sameBytes(ours, `${ours}.before`)).toBe(true);
  });
});

describe('test hygiene', () => {
  it('detaches what it attaches', () => {
    const probe = join(dir, 'probe.img');
    writeFileSync(probe, '');
    mustRun('truncate', ['-s', '1M', probe]);
    const dev = attach(probe);
    detachAll();
    expect(attached).toEqual([]);
    expect(run('losetup', ['-j', probe]).stdout.trim()).toBe('');
    expect(dev).toMatch(/^\/dev\/loop\d+$/);
  });
});
