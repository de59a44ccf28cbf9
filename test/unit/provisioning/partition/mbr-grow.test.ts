import { describe, expect, it } from 'vitest';
import { FlashError } from '../../../../flasher/errors.js';
import { growDataPartition } from '../../../../provisioning/partition/grow.js';
import { readPartitionTable } from '../../../../provisioning/partition/read-table.js';
import { hexBytes, MemDisk, mbrRecord, mbrSector, threeOsMbr } from './fixtures.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const rec = (s: Buffer, slot: number): string => s.subarray(446 + 16 * slot, 462 + 16 * slot).toString('hex');

/** The sfdisk-made example of docs/disk-formats.md §4.3 (64 MiB), with its real record bytes. */
function docExample(d: MemDisk): void {
  d.poke(0, mbrSector([mbrRecord({ boot: 0x80, startChs: [0x20, 0x21, 0x00], type: 0x0c, endChs: [0x25, 0x24, 0x01], start: 2048, size: 16384 }), hexBytes('00 25 25 01 05 28 20 08 00 48 00 00 00 b8 01 00')]));
  d.poke(18432 * 512, mbrSector([mbrRecord({ type: 0x83, start: 2048, size: 8192 }), hexBytes('00 c8 08 01 05 28 20 08 00 28 00 00 00 90 01 00')], 512, 0));
  d.poke(28672 * 512, mbrSector([hexBytes('00 e8 28 01 8e 28 20 08 00 08 00 00 00 88 01 00')], 512, 0));
}

describe('growDataPartition (MBR)', () => {
  it('grows the last logical partition and its container byte-for-byte like sfdisk (docs/disk-formats.md §4.3)', async () => {
    const img = new MemDisk(64 * MiB);
    docExample(img);
    const d = await img.copyTo(128 * MiB);
    const r = await growDataPartition(d, { partition: 'last' });
    expect(r).toMatchObject({ changed: true, kind: 'mbr', index: 6, before: { start: 30720 * 512, size: 100352 * 512 }, after: { size: 231424 * 512 } });
    expect(rec(await d.sector(0), 1)).toBe('00252501055101100048000000b80300');
    expect(rec(await d.sector(28672), 0)).toBe('00e828018e5101100008000000880300');
    expect(rec(await d.sector(18432), 1)).toBe('00c80801052820080028000000900100'); // stale link size, as sfdisk leaves it
    // container first, then the EBR, each followed by a flush
    expect(d.ops).toEqual([
      { op: 'write', offset: 0, length: 512 },
      { op: 'flush' },
      { op: 'write', offset: 28672 * 512, length: 512 },
      { op: 'flush' },
    ]);
  });

  it('grows a primary last partition (end CHS capped at FE FF FF)', async () => {
    const img = new MemDisk(64 * MiB);
    img.poke(0, mbrSector([mbrRecord({ type: 0x0c, start: 2048, size: 16384 }), hexBytes('00 25 25 01 8e 28 20 08 00 48 00 00 00 b8 01 00')]));
    const d = await img.copyTo(10 * GiB);
    const r = await growDataPartition(d, { partition: 'last' });
    expect(r.after.size).toBe(20953088 * 512);
    expect(rec(await d.sector(0), 1)).toBe('002525018efeffff0048000000b83f01');
    expect(rec(await d.sector(0), 0)).toBe(rec(await img.sector(0), 0));
  });

  it('grows the 3os data partition p6 and the p4 container; the result reads back and a second run is a no-op', async () => {
    const img = new MemDisk(64 * MiB);
    threeOsMbr(img);
    const d = await img.copyTo(GiB);
    const r = await growDataPartition(d);
    expect(r.index).toBe(6);
    // container bytes as sfdisk 2.38.1 wrote them for this layout grown to 1 GiB (end CHS 8a 08 82)
    expect(rec(await d.sector(0), 3).slice(10)).toBe('8a088200e8000000181f00');
    const t = await readPartitionTable(d);
    expect(t.partitions.find((p) => p.index === 4)).toMatchObject({ firstLba: 59392, lastLba: 2097151 });
    expect(t.partitions.find((p) => p.index === 6)).toMatchObject({ role: 'data', firstLba: 96256, lastLba: 2097151 });
    d.ops.length = 0;
    const again = await growDataPartition(d);
    expect(again.changed).toBe(false);
    expect(d.ops).toEqual([]);
  });

  it('refuses when a partition follows the data partition', async () => {
    const img = new MemDisk(64 * MiB);
    threeOsMbr(img, 131072);
    // shrink p6 and add p7 after it
    img.poke(94208 * 512, mbrSector([mbrRecord({ type: 0x8e, start: 2048, size: 8192 }), mbrRecord({ type: 0x05, start: 47104, size: 10240 })], 512, 0));
    img.poke(106496 * 512, mbrSector([mbrRecord({ type: 0x83, start: 2048, size: 8192 })], 512, 0));
    const d = await img.copyTo(GiB);
    expect((await readPartitionTable(d)).partitions.map((p) => p.index)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const e: unknown = await growDataPartition(d).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(FlashError);
    expect((e as FlashError).code).toBe('E_GROW');
    expect((e as FlashError).message).toMatch(/partition 6 is not the last partition on the disk: partition 7 lies after it/);
    expect(d.ops).toEqual([]);
  });

  it('works with 4096-byte sectors', async () => {
    const img = new MemDisk(64 * MiB, 4096);
    img.poke(0, mbrSector([mbrRecord({ type: 0x0c, start: 256, size: 2048 }), mbrRecord({ type: 0x83, start: 2304, size: 8192 })], 4096));
    const d = await img.copyTo(GiB, 4096);
    const r = await growDataPartition(d, { partition: 'last' });
    expect(r.after).toEqual({ start: 2304 * 4096, size: (262144 - 2304) * 4096 });
    expect(d.ops[0]).toEqual({ op: 'write', offset: 0, length: 4096 });
  });
});
