import { describe, expect, it } from 'vitest';
import { FlashError } from '../../../../flasher/errors.js';
import { growDataPartition } from '../../../../provisioning/partition/grow.js';
import { readPartitionTable } from '../../../../provisioning/partition/read-table.js';
import { DOC_VECTOR, hexBytes, MemDisk, threeOsGpt, writeGpt } from './fixtures.js';

const MiB = 1024 * 1024;

async function rejection(p: Promise<unknown>): Promise<FlashError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FlashError);
  return e as FlashError;
}

/** The doc vector, flashed onto a 128 MiB disk. */
async function grownDocDisk(): Promise<{ before: MemDisk; d: MemDisk }> {
  const before = new MemDisk(64 * MiB);
  writeGpt(before, DOC_VECTOR);
  return { before: await before.copyTo(128 * MiB), d: await before.copyTo(128 * MiB) };
}

describe('growDataPartition (GPT)', () => {
  it('reproduces the sgdisk/sfdisk test vector of docs/disk-formats.md §3.7 exactly', async () => {
    const { before, d } = await grownDocDisk();
    const r = await growDataPartition(d, { partition: 'last' });
    expect(r).toMatchObject({
      changed: true,
      kind: 'gpt',
      index: 2,
      before: { start: 18432 * 512, size: (131038 - 18432 + 1) * 512 },
      after: { start: 18432 * 512, size: (262110 - 18432 + 1) * 512 },
      diskSize: 128 * MiB,
      backupMoved: true,
      dryRun: false,
    });
    const p = await d.sector(1);
    expect(p.readUInt32LE(16)).toBe(0xb654911c); // header CRC from the real tools
    expect(p.readBigUInt64LE(32)).toBe(262143n);
    expect(p.readBigUInt64LE(48)).toBe(262110n);
    expect(p.readUInt32LE(88)).toBe(0xd5396c65); // array CRC
    const b = await d.sector(262143);
    expect(b.readUInt32LE(16)).toBe(0x3bd17342);
    expect(b.readBigUInt64LE(24)).toBe(262143n);
    expect(b.readBigUInt64LE(32)).toBe(1n);
    expect(b.readBigUInt64LE(72)).toBe(262111n);
    // PMBR: size 0x3ffff, end CHS FF FF FF as libfdisk writes it; boot code and the rest kept.
    expect((await d.read(446, 16)).equals(hexBytes('00 000200 ee ffffff 01000000 ffff0300'))).toBe(true);
    // Only sectors 0, 1, 2, the new backup array (262111..262142) and header (262143) differ.
    const changed: number[] = [];
    for (let lba = 0; lba < 262144; lba += 1) {
      if (lba >= 64 && lba < 131000) lba = 131000; // partition contents: never written (checked by the op log below)
      if (!(await d.sector(lba)).equals(await before.sector(lba))) changed.push(lba);
    }
    const expected = [0, 1, 2, 262111, 262143]; // the rest of the new backup array is empty entries (zeros)
    expect(changed).toEqual(expected);
  });

  it('writes the backup first, then the primary, then the PMBR, with flushes between', async () => {
    const { d } = await grownDocDisk();
    await growDataPartition(d, { partition: 'last' });
    expect(d.ops).toEqual([
      { op: 'write', offset: 262111 * 512, length: 16384 },
      { op: 'write', offset: 262143 * 512, length: 512 },
      { op: 'flush' },
      { op: 'write', offset: 2 * 512, length: 16384 },
      { op: 'write', offset: 512, length: 512 },
      { op: 'flush' },
      { op: 'write', offset: 0, length: 512 },
      { op: 'flush' },
    ]);
  });

  it('leaves a clean table, and a second run is a no-op', async () => {
    const { d } = await grownDocDisk();
    await growDataPartition(d, { partition: 'last' });
    const t = await readPartitionTable(d);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.warnings).toEqual([]);
    expect(t.backup).toEqual({ ok: true, lba: 262143 });
    d.ops.length = 0;
    const again = await growDataPartition(d, { partition: 'last' });
    expect(again.changed).toBe(false);
    expect(again.backupMoved).toBe(false);
    expect(again.before).toEqual(again.after);
    expect(d.ops).toEqual([]);
  });

  it('dry-run computes the same plan and writes nothing', async () => {
    const { d } = await grownDocDisk();
    const dry = await growDataPartition(d, { partition: 'last', dryRun: true });
    expect(d.ops).toEqual([]);
    const real = await growDataPartition(d, { partition: 'last' });
    expect({ ...dry, dryRun: false }).toEqual(real);
    expect(dry.writes.map((w) => w.what)).toEqual([
      'backup GPT entry array (LBA 262111)',
      'backup GPT header (LBA 262143)',
      'primary GPT entry array (LBA 2)',
      'primary GPT header (LBA 1)',
      'protective MBR size',
    ]);
  });

  it('grows 3os-data by label on a 3os layout', async () => {
    const img = new MemDisk(64 * MiB);
    writeGpt(img, threeOsGpt(131072));
    const d = await img.copyTo(1024 * MiB);
    const r = await growDataPartition(d);
    expect(r.index).toBe(5);
    expect(r.after).toEqual({ start: 45 * MiB, size: (2097118 - 45 * 2048 + 1) * 512 });
    const t = await readPartitionTable(d);
    expect(t.partitions[4]).toMatchObject({ name: '3os-data', lastLba: 2097118, attributes: 1n << 59n });
  });

  it('handles a growth smaller than the backup area (new backup array overlaps the old backup header)', async () => {
    const img = new MemDisk(64 * MiB);
    writeGpt(img, DOC_VECTOR);
    const d = await img.copyTo(64 * MiB + 8 * 512);
    const r = await growDataPartition(d, { partition: 'last' });
    expect(r.after.size - r.before.size).toBe(8 * 512);
    const t = await readPartitionTable(d);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.backup).toEqual({ ok: true, lba: 131079 });
    expect(t.header.lastUsableLba).toBe(131046);
    expect(t.warnings).toEqual([]);
  });

  it('works with 4096-byte sectors', async () => {
    const img = new MemDisk(64 * MiB, 4096);
    writeGpt(img, threeOsGpt(16384, 4096));
    const d = await img.copyTo(1024 * MiB, 4096);
    const r = await growDataPartition(d);
    expect(r).toMatchObject({ changed: true, sectorSize: 4096, after: { start: 45 * MiB, size: (262138 - 45 * 256 + 1) * 4096 } });
    const t = await readPartitionTable(d);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.header).toMatchObject({ lastUsableLba: 262138, alternateLba: 262143 });
    expect(t.backup).toEqual({ ok: true, lba: 262143 });
    expect(t.warnings).toEqual([]);
    expect(d.ops[0]).toEqual({ op: 'write', offset: 262139 * 4096, length: 16384 });
  });

  it('refuses when 3os-data is not the last partition', async () => {
    const spec = threeOsGpt(131072);
    const [, , , rootB, data] = spec.entries;
    if (!rootB || !data) throw new Error('fixture');
    // swap places: data before root-b, root-b last
    rootB.first = 45 * 2048;
    rootB.last = 131038;
    data.first = 29 * 2048;
    data.last = 45 * 2048 - 1;
    const img = new MemDisk(64 * MiB);
    writeGpt(img, spec);
    const d = await img.copyTo(128 * MiB);
    const e = await rejection(growDataPartition(d));
    expect(e.code).toBe('E_GROW');
    expect(e.message).toMatch(/partition 5 is not the last partition on the disk: partition 4 \("3os-root-b"\) lies after it/);
    expect(d.ops).toEqual([]);
  });

  it('refuses a disk with no 3os-data unless asked to grow the last partition', async () => {
    const { d } = await grownDocDisk();
    const e = await rejection(growDataPartition(d));
    expect(e.code).toBe('E_NOT_3OS');
    expect(d.ops).toEqual([]);
  });

  it('refuses to rebuild a corrupt primary unless repair is asked for; then writes the primary first', async () => {
    const { d } = await grownDocDisk();
    d.poke(512 + 60, Buffer.from([0x42]));
    const e = await rejection(growDataPartition(d, { partition: 'last' }));
    expect(e.code).toBe('E_PARTITION_TABLE');
    expect(e.message).toMatch(/primary GPT is corrupt \(header CRC mismatch.*backup at LBA 131071 is intact/);
    expect(d.ops).toEqual([]);
    const r = await growDataPartition(d, { partition: 'last', repair: true });
    expect(r.repaired).toBe('primary');
    expect(d.ops.slice(0, 3)).toEqual([{ op: 'write', offset: 1024, length: 16384 }, { op: 'write', offset: 512, length: 512 }, { op: 'flush' }]);
    const t = await readPartitionTable(d);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.primary.ok && t.backup.ok).toBe(true);
    expect(t.warnings).toEqual([]);
    expect((await d.sector(1)).readUInt32LE(16)).toBe(0xb654911c); // same bytes as growing the intact table
  });

  it('finds the backup through the PMBR size when the primary is wiped on a grown disk, and repairs from it', async () => {
    const { d } = await grownDocDisk();
    d.poke(512, Buffer.alloc(512));
    const t = await readPartitionTable(d);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.backup).toEqual({ ok: true, lba: 131071 });
    const r = await growDataPartition(d, { partition: 'last', repair: true });
    expect(r.repaired).toBe('primary');
    expect((await d.sector(1)).readUInt32LE(16)).toBe(0xb654911c);
  });

  it('will not rebuild the primary from a backup that may belong to an earlier image', async () => {
    // an earlier, bigger image left its backup at the end of the card; the new image's backup is gone too
    const old = new MemDisk(128 * MiB);
    writeGpt(old, { ...DOC_VECTOR, lbas: 262144, diskGuid: '99999999-2222-3333-4444-555555555555' });
    const { d } = await grownDocDisk();
    d.poke(262143 * 512, await old.sector(262143));
    d.poke(262111 * 512, await old.read(262111 * 512, 16384));
    d.poke(512, Buffer.alloc(512)); // primary wiped
    d.poke(131071 * 512, Buffer.alloc(512)); // the new image's backup lost as well
    const t = await readPartitionTable(d);
    if (t.kind !== 'gpt') throw new Error('expected gpt');
    expect(t.backup).toEqual({ ok: true, lba: 262143 });
    expect(t.warnings.join('\n')).toMatch(/may be left over from an earlier image/);
    const e = await rejection(growDataPartition(d, { partition: 'last', repair: true }));
    expect(e.message).toMatch(/may belong to an earlier image/);
    expect(d.ops).toEqual([]);
  });

  it('rebuilds a missing backup from a good primary (what sgdisk -e does)', async () => {
    const { d } = await grownDocDisk();
    d.poke(131071 * 512, Buffer.alloc(512));
    const r = await growDataPartition(d, { partition: 'last' });
    expect(r.repaired).toBe('backup');
    expect((await d.sector(262143)).readUInt32LE(16)).toBe(0x3bd17342);
  });

  it('fixes only what is wrong on a full-size disk: a stale PMBR size', async () => {
    const img = new MemDisk(64 * MiB);
    writeGpt(img, DOC_VECTOR);
    img.poke(446 + 12, Buffer.from([0x00, 0x10, 0, 0]));
    const r = await growDataPartition(img, { partition: 'last' });
    expect(r.changed).toBe(true);
    expect(r.backupMoved).toBe(false);
    expect(r.writes.map((w) => w.what)).toEqual(['protective MBR size']);
  });
});
