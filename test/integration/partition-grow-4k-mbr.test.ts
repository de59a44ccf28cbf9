/**
 * Partition grow against the real tools on 4096-byte-sector loop devices (GPT made by sgdisk on
 * the 4Kn device itself) and on MBR disks (the 3os six-partition variant made by sfdisk, and a
 * primary-only disk), compared byte for byte with sfdisk's own grow (docs/disk-formats.md §3.7, §4.3).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';
import { growDataPartition, randomizeDiskGuid, readPartitionTable } from '../../provisioning/partition/index.js';
import {
  expectSameAsReference,
  expectSgdiskClean,
  flashCopy,
  grow,
  make3osGpt,
  make3osMbr,
  newImage,
  referenceGrowGpt,
  referenceGrowMbr,
  sameBytes,
  snapshot,
  sfdiskDump,
  sfdiskJson,
  withDisk,
} from './partition-tools.js';
import { attachLoopSync, attachedLoops, detachAll, detachLoopSync } from '../../testkit/loop.js';
import { shSync, shSyncOk } from '../../testkit/sh.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
let dir = '';
let gptImage = '';
let mbrImage = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), '3os-partition-'));
  gptImage = newImage(dir, '3os-gpt.img', (p) => make3osGpt(p));
  mbrImage = newImage(dir, '3os-mbr.img', make3osMbr);
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('GPT on 4096-byte sectors', () => {
  it('grows a 4Kn loop device with a GPT made by sgdisk on it, like sfdisk does', async () => {
    const base = join(dir, '4k-base.img');
    writeFileSync(base, '');
    shSyncOk('truncate', ['-s', '64M', base]);
    const mk = attachLoopSync(base, { sectorSize: 4096 });
    make3osGpt(mk, 4096);
    detachLoopSync(mk);
    const ours = join(dir, '4k-ours.img');
    const ref = join(dir, '4k-ref.img');
    flashCopy(base, ours, GiB);
    flashCopy(base, ref, GiB);
    const dev = attachLoopSync(ours, { sectorSize: 4096 });
    const refDev = attachLoopSync(ref, { sectorSize: 4096 });
    const r = await grow(dev);
    expect(r).toMatchObject({ changed: true, sectorSize: 4096, after: { start: 45 * MiB, size: (262138 - 45 * 256 + 1) * 4096 } });
    expectSgdiskClean(dev);
    referenceGrowGpt(refDev, 5);
    expect(sfdiskDump(dev)).toBe(sfdiskDump(refDev));
    expect(sfdiskJson(dev).partitiontable).toMatchObject({ sectorsize: 4096, lastlba: 262138 });
    detachLoopSync(dev);
    detachLoopSync(refDev);
    expectSameAsReference(ours, ref, GiB, r);
  });

  it('refuses a 512-byte-sector image on a 4096-byte-sector target with a clear error', async () => {
    const ours = join(dir, 'mismatch.img');
    flashCopy(gptImage, ours, 256 * MiB);
    snapshot(ours, `${ours}.before`);
    const dev = attachLoopSync(ours, { sectorSize: 4096 });
    const ops: ((d: DiskIO) => Promise<unknown>)[] = [(d) => readPartitionTable(d), (d) => growDataPartition(d)];
    for (const op of ops) {
      const e: unknown = await withDisk(dev, op).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(FlashError);
      expect((e as FlashError).code).toBe('E_PARTITION_TABLE');
      expect((e as FlashError).message).toMatch(/image built for 512-byte sectors, target uses 4096/);
    }
    detachLoopSync(dev);
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
    expect(shSyncOk('sfdisk', ['--verify', ours])).toMatch(/No errors detected/);
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
    shSyncOk('truncate', ['-s', '64M', base]);
    shSyncOk('sfdisk', ['--no-reread', base], { input: 'label: dos\nstart=2048, size=8M, type=c\nsize=16M, type=83\n' });
    const ours = join(dir, 'prim-ours.img');
    const ref = join(dir, 'prim-ref.img');
    // 12 GiB: beyond the CHS limit, so the end CHS is capped (FE FF FF)
    flashCopy(base, ours, 12 * GiB);
    flashCopy(base, ref, 12 * GiB);
    const dev = attachLoopSync(ours);
    const r = await grow(dev, { partition: 'last' });
    expect(r).toMatchObject({ index: 2, after: { size: (12 * 2097152 - 18432) * 512 } });
    expect(shSyncOk('sfdisk', ['--verify', dev])).toMatch(/No errors detected/);
    detachLoopSync(dev);
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
  it('detaches what it attaches (testkit/loop.ts)', async () => {
    const probe = join(dir, 'probe.img');
    writeFileSync(probe, '');
    shSyncOk('truncate', ['-s', '1M', probe]);
    const dev = attachLoopSync(probe);
    await detachAll();
    expect(attachedLoops()).toEqual([]);
    expect(shSync('losetup', ['-j', probe]).stdout.trim()).toBe('');
    expect(dev).toMatch(/^\/dev\/loop\d+$/);
  });
});
