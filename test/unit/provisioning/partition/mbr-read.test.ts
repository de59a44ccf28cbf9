import { describe, expect, it } from 'vitest';
import { FlashError } from '../../../../flasher/errors.js';
import { readPartitionTable } from '../../../../provisioning/partition/read-table.js';
import { MemDisk, mbrRecord, mbrSector, threeOsMbr } from './fixtures.js';

const MiB = 1024 * 1024;

async function rejection(p: Promise<unknown>): Promise<FlashError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FlashError);
  return e as FlashError;
}

describe('readPartitionTable (MBR)', () => {
  it('reads primaries, the extended container and the logical partitions with 3os roles', async () => {
    const d = new MemDisk(64 * MiB);
    threeOsMbr(d);
    const t = await readPartitionTable(d);
    if (t.kind !== 'mbr') throw new Error('expected mbr');
    expect(t.diskSignature).toBe('12345678');
    expect(t.partitions.map((p) => [p.index, p.placement, p.type, p.role, p.firstLba, p.lastLba])).toEqual([
      [1, 'primary', '0x0c', 'boot', 2048, 18431],
      [2, 'primary', '0x0c', 'config', 18432, 26623],
      [3, 'primary', '0x83', 'rootA', 26624, 59391],
      [4, 'extended', '0x0f', undefined, 59392, 131071],
      [5, 'logical', '0x83', 'rootB', 61440, 94207],
      [6, 'logical', '0x8e', 'data', 96256, 131071],
    ]);
    expect(t.partitions[0]?.bootable).toBe(true);
    expect(t.partitions[5]).toMatchObject({ start: 96256 * 512, size: 34816 * 512, recordLba: 94208, recordSlot: 0 });
  });

  it('does not give roles to partitions of the wrong type', async () => {
    const d = new MemDisk(64 * MiB);
    d.poke(0, mbrSector([mbrRecord({ type: 0x83, start: 2048, size: 16384 }), mbrRecord({ type: 0x0c, start: 18432, size: 8192 })]));
    const t = await readPartitionTable(d);
    expect(t.partitions.map((p) => p.role)).toEqual([undefined, 'config']);
  });

  it('detects an EBR chain that loops', async () => {
    const d = new MemDisk(64 * MiB);
    threeOsMbr(d);
    // EBR 2 links back to EBR 1 (start 0 relative to the container)
    d.poke(94208 * 512, mbrSector([mbrRecord({ type: 0x8e, start: 2048, size: 34816 }), mbrRecord({ type: 0x05, start: 0, size: 100 })], 512, 0));
    const e = await rejection(readPartitionTable(d));
    expect(e.code).toBe('E_PARTITION_TABLE');
    expect(e.message).toMatch(/EBR chain loops back to LBA 59392/);
  });

  it('refuses a logical partition that leaves its container, and a link outside it', async () => {
    const d = new MemDisk(64 * MiB);
    threeOsMbr(d);
    d.poke(94208 * 512, mbrSector([mbrRecord({ type: 0x8e, start: 2048, size: 34817 })], 512, 0));
    expect((await rejection(readPartitionTable(d))).message).toMatch(/logical partition 6 .* outside the extended partition/);
    const d2 = new MemDisk(64 * MiB);
    threeOsMbr(d2);
    d2.poke(59392 * 512, mbrSector([mbrRecord({ type: 0x83, start: 2048, size: 32768 }), mbrRecord({ type: 0x05, start: 90000, size: 10 })], 512, 0));
    expect((await rejection(readPartitionTable(d2))).message).toMatch(/EBR link points outside/);
  });

  it('refuses records past the end of the disk, overlaps, and non-MBR boot sectors', async () => {
    const d = new MemDisk(8 * MiB);
    threeOsMbr(d, 131072);
    expect((await rejection(readPartitionTable(d))).message).toMatch(/runs past the end of the disk/);
    const d2 = new MemDisk(64 * MiB);
    d2.poke(0, mbrSector([mbrRecord({ type: 0x83, start: 2048, size: 16384 }), mbrRecord({ type: 0x83, start: 4096, size: 8192 })]));
    expect((await rejection(readPartitionTable(d2))).message).toMatch(/partitions 1 and 2 overlap/);
    const d3 = new MemDisk(64 * MiB);
    d3.poke(0, mbrSector([mbrRecord({ boot: 0x29, type: 0x83, start: 2048, size: 16384 })]));
    expect((await rejection(readPartitionTable(d3))).message).toMatch(/not an MBR/);
  });
});
