/**
 * GPT grow (512-byte sectors) against the real tools: disks made by sgdisk, grown by us, judged by
 * `sgdisk -v` / `sfdisk --verify`, and compared with what `sgdisk -e` + sfdisk `', +'` make of a
 * copy of the same disk (byte for byte: libfdisk's output is the reference, docs/disk-formats.md §3.7).
 * 4Kn and MBR disks are in partition-grow-4k-mbr.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlashError } from '../../flasher/errors.js';
import { find3osPartitions, randomizeDiskGuid, readPartitionTable } from '../../provisioning/partition/index.js';
import {
  corruptByte,
  expectSameAsReference,
  expectSgdiskClean,
  flashCopy,
  grow,
  make3osGpt,
  newImage,
  referenceGrowGpt,
  sameBytes,
  snapshot,
  sfdiskDump,
  sfdiskJson,
  sgdiskPrint,
  sgdiskVerify,
  withDisk,
} from './partition-tools.js';
import { attachLoopSync, detachLoopSync } from '../../testkit/loop.js';
import { shSyncOk } from '../../testkit/sh.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
let dir = '';
let gptImage = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), '3os-partition-'));
  gptImage = newImage(dir, '3os-gpt.img', (p) => make3osGpt(p));
});

afterAll(() => {
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
    shSyncOk('sfdisk', ['--verify', ours]);
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
    const dev = attachLoopSync(ours);
    const refDev = attachLoopSync(ref);
    const r = await grow(dev);
    expect(r.diskSize).toBe(GiB);
    referenceGrowGpt(refDev, 5);
    expectSgdiskClean(dev);
    expect(sfdiskDump(dev)).toBe(sfdiskDump(refDev));
    detachLoopSync(dev);
    detachLoopSync(refDev);
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
    shSyncOk('sfdisk', ['--no-reread', '-N', '5', full], { input: ', +\n' });
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
    shSyncOk('truncate', ['-s', '64M', img]);
    shSyncOk('sgdisk', ['-n', '1:1M:+8M', '-t', '1:ef00', '-c', '1:3os-boot', '-n', '2:0:+8M', '-t', '2:8e00', '-c', '2:3os-data', '-n', '3:0:+8M', '-t', '3:8300', '-c', '3:extra', img]);
    shSyncOk('truncate', ['-s', '256M', img]);
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
