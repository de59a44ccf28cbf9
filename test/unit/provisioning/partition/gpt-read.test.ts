import { describe, expect, it } from 'vitest';
import { FlashError } from '../../../../flasher/errors.js';
import { readPartitionTable } from '../../../../provisioning/partition/read-table.js';
import { DOC_VECTOR, MemDisk, threeOsGpt, TYPE, writeGpt } from './fixtures.js';

const MiB = 1024 * 1024;

async function expectCode(p: Promise<unknown>, code: string, msg?: RegExp): Promise<FlashError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FlashError);
  const fe = e as FlashError;
  expect(fe.code).toBe(code);
  if (msg) expect(fe.message).toMatch(msg);
  return fe;
}

describe('readPartitionTable (GPT)', () => {
  it('reads the sgdisk test vector; the fixture reproduces sgdisk CRCs', async () => {
    const d = new MemDisk(64 * MiB);
    const crcs = writeGpt(d, DOC_VECTOR);
    // Values sgdisk 1.0.9 wrote for this exact table (docs/disk-formats.md §3.7).
    expect(crcs).toEqual({ headerCrc: 0x94749846, arrayCrc: 0xbb58bea5, backupCrc: 0x1a785483 });
    const t = await readPartitionTable(d);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.diskGuid).toBe('11111111-2222-3333-4444-555555555555');
    expect(t.primary).toEqual({ ok: true, lba: 1 });
    expect(t.backup).toEqual({ ok: true, lba: 131071 });
    expect(t.warnings).toEqual([]);
    expect(t.header).toMatchObject({ firstUsableLba: 34, lastUsableLba: 131038, entryCount: 128, entrySize: 128, entryLba: 2 });
    expect(t.partitions).toHaveLength(2);
    expect(t.partitions[1]).toMatchObject({
      index: 2,
      name: 'root',
      type: TYPE.lvm,
      uniqueGuid: '12345678-9abc-def0-1234-56789abcdef0',
      firstLba: 18432,
      lastLba: 131038,
      start: 18432 * 512,
      size: (131038 - 18432 + 1) * 512,
      attributes: 0n,
    });
  });

  it('assigns 3os roles by label and keeps attributes', async () => {
    const d = new MemDisk(64 * MiB);
    writeGpt(d, threeOsGpt(131072));
    const t = await readPartitionTable(d);
    expect(t.partitions.map((p) => p.role)).toEqual(['boot', 'config', 'rootA', 'rootB', 'data']);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.partitions[4]?.attributes).toBe(1n << 59n);
  });

  it('reports a disk grown after flashing: backup not at the end, PMBR too small', async () => {
    const small = new MemDisk(64 * MiB);
    writeGpt(small, DOC_VECTOR);
    const d = await small.copyTo(128 * MiB);
    const t = await readPartitionTable(d);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.backup).toEqual({ ok: true, lba: 131071 });
    expect(t.warnings.join('\n')).toMatch(/not at the end of the disk/);
    expect(t.warnings.join('\n')).toMatch(/protective MBR covers 131071/);
  });

  it('detects a corrupted primary header CRC and reads the backup', async () => {
    const d = new MemDisk(64 * MiB);
    writeGpt(d, DOC_VECTOR);
    d.poke(512 + 60, Buffer.from([0x99])); // flip a byte of the disk GUID in the primary
    const t = await readPartitionTable(d);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.primary.ok).toBe(false);
    if (!t.primary.ok) expect(t.primary.problem).toMatch(/header CRC mismatch/);
    expect(t.backup).toEqual({ ok: true, lba: 131071 });
    expect(t.header.myLba).toBe(131071);
    expect(t.diskGuid).toBe('11111111-2222-3333-4444-555555555555');
    expect(t.warnings[0]).toMatch(/primary GPT is bad/);
  });

  it('finds the backup at the last LBA when the primary sector is wiped', async () => {
    const d = new MemDisk(64 * MiB);
    writeGpt(d, DOC_VECTOR);
    d.poke(512, Buffer.alloc(512));
    const t = await readPartitionTable(d);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.primary.ok).toBe(false);
    expect(t.backup).toEqual({ ok: true, lba: 131071 });
    expect(t.partitions).toHaveLength(2);
  });

  it('detects a corrupted entry array in the backup copy only', async () => {
    const d = new MemDisk(64 * MiB);
    writeGpt(d, DOC_VECTOR);
    d.poke(131039 * 512 + 56, Buffer.from('X', 'utf16le')); // backup array, entry 1 name
    const t = await readPartitionTable(d);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.primary.ok).toBe(true);
    expect(t.backup.ok).toBe(false);
    if (!t.backup.ok) expect(t.backup.problem).toMatch(/entry array CRC mismatch/);
    expect(t.partitions[0]?.name).toBe('ESP');
  });

  it('refuses when both copies are bad', async () => {
    const d = new MemDisk(64 * MiB);
    writeGpt(d, DOC_VECTOR);
    d.poke(2 * 512, Buffer.from([1]));
    d.poke(131071 * 512 + 30, Buffer.from([1]));
    await expectCode(readPartitionTable(d), 'E_PARTITION_TABLE', /no valid GPT: primary: partition entry array CRC mismatch.*backup: header CRC mismatch/);
  });

  it('refuses a 512-byte-sector GPT on a 4096-byte-sector disk, and the reverse', async () => {
    const d512 = new MemDisk(64 * MiB);
    writeGpt(d512, DOC_VECTOR);
    const on4k = await d512.copyTo(64 * MiB, 4096);
    await expectCode(readPartitionTable(on4k), 'E_PARTITION_TABLE', /image built for 512-byte sectors, target uses 4096/);

    const d4k = new MemDisk(64 * MiB, 4096);
    writeGpt(d4k, threeOsGpt(16384, 4096));
    expect((await readPartitionTable(d4k)).partitions.map((p) => p.role)).toEqual(['boot', 'config', 'rootA', 'rootB', 'data']);
    const on512 = await d4k.copyTo(64 * MiB, 512);
    await expectCode(readPartitionTable(on512), 'E_PARTITION_TABLE', /image built for 4096-byte sectors, target uses 512/);
  });

  it('reads a 4096-byte-sector GPT in 4 KiB LBAs', async () => {
    const d = new MemDisk(64 * MiB, 4096);
    writeGpt(d, threeOsGpt(16384, 4096));
    const t = await readPartitionTable(d);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.header).toMatchObject({ firstUsableLba: 6, lastUsableLba: 16378, alternateLba: 16383 });
    expect(t.partitions[0]).toMatchObject({ firstLba: 256, start: MiB, size: 8 * MiB });
  });

  it('refuses an image larger than the disk (backup beyond the end)', async () => {
    const big = new MemDisk(64 * MiB);
    writeGpt(big, DOC_VECTOR);
    const d = await big.copyTo(32 * MiB);
    await expectCode(readPartitionTable(d), 'E_PARTITION_TABLE', /target is smaller than the image/);
  });

  it('refuses overlapping and out-of-range entries', async () => {
    const d = new MemDisk(64 * MiB);
    const spec = threeOsGpt(131072);
    const e2 = spec.entries[1];
    if (e2) e2.first = 8 * 2048; // overlaps 3os-boot
    writeGpt(d, spec);
    await expectCode(readPartitionTable(d), 'E_PARTITION_TABLE', /partitions 1 and 2 overlap/);
    const d2 = new MemDisk(64 * MiB);
    const spec2 = threeOsGpt(131072);
    const last = spec2.entries[4];
    if (last) last.last = 131050;
    writeGpt(d2, spec2);
    await expectCode(readPartitionTable(d2), 'E_PARTITION_TABLE', /outside the usable area/);
  });

  it('refuses a disk with no table, and a PMBR without a GPT', async () => {
    await expectCode(readPartitionTable(new MemDisk(MiB)), 'E_PARTITION_TABLE', /no partition table/);
    const d = new MemDisk(64 * MiB);
    writeGpt(d, DOC_VECTOR);
    d.poke(512, Buffer.alloc(512));
    d.poke(131071 * 512, Buffer.alloc(512));
    await expectCode(readPartitionTable(d), 'E_PARTITION_TABLE', /no valid GPT/);
  });
});
