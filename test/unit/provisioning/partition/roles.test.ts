import { describe, expect, it } from 'vitest';
import { FlashError } from '../../../../flasher/errors.js';
import { readPartitionTable } from '../../../../provisioning/partition/read-table.js';
import { find3osPartitions } from '../../../../provisioning/partition/roles.js';
import { MemDisk, threeOsGpt, threeOsMbr, writeGpt, mbrRecord, mbrSector, TYPE } from './fixtures.js';

const MiB = 1024 * 1024;

describe('find3osPartitions', () => {
  it('finds GPT roles by label, not by entry number', async () => {
    const spec = threeOsGpt(131072);
    // Put the entries in scrambled slots: 3os-data in slot 1, 3os-boot in slot 7.
    const slots = [7, 3, 2, 9, 1];
    spec.entries.forEach((e, i) => (e.slot = slots[i]));
    const d = new MemDisk(64 * MiB);
    writeGpt(d, spec);
    const l = find3osPartitions(await readPartitionTable(d));
    expect(l.kind).toBe('gpt');
    expect(l.boot).toEqual({ index: 7, start: MiB, size: 8 * MiB });
    expect(l.config).toEqual({ index: 3, start: 9 * MiB, size: 4 * MiB });
    expect(l.rootA?.index).toBe(2);
    expect(l.rootB?.index).toBe(9);
    expect(l.data).toEqual({ index: 1, start: 45 * MiB, size: (131038 - 45 * 2048 + 1) * 512 });
  });

  it('returns what it finds on a non-3os disk', async () => {
    const d = new MemDisk(64 * MiB);
    writeGpt(d, {
      lbas: 131072,
      diskGuid: '11111111-2222-3333-4444-555555555555',
      entries: [
        { type: TYPE.esp, unique: '00000000-0000-4000-8000-000000000001', first: 2048, last: 4095, name: 'EFI' },
        { type: TYPE.lvm, unique: '00000000-0000-4000-8000-000000000002', first: 4096, last: 8191, name: '3os-data' },
      ],
    });
    const l = find3osPartitions(await readPartitionTable(d));
    expect(l.boot).toBeUndefined();
    expect(l.rootA).toBeUndefined();
    expect(l.data).toEqual({ index: 2, start: 4096 * 512, size: 4096 * 512 });
  });

  it('refuses two partitions with the same 3os label', async () => {
    const spec = threeOsGpt(131072);
    const e = spec.entries[3];
    if (e) e.name = '3os-root-a';
    const d = new MemDisk(64 * MiB);
    writeGpt(d, spec);
    const t = await readPartitionTable(d);
    expect(() => find3osPartitions(t)).toThrow(FlashError);
    expect(() => find3osPartitions(t)).toThrow(/partitions 3 and 4 are both labelled 3os-root-a/);
  });

  it('finds MBR roles by order and type', async () => {
    const d = new MemDisk(64 * MiB);
    threeOsMbr(d);
    const l = find3osPartitions(await readPartitionTable(d));
    expect(l.kind).toBe('mbr');
    expect(l.boot).toEqual({ index: 1, start: 2048 * 512, size: 16384 * 512 });
    expect(l.rootB).toEqual({ index: 5, start: 61440 * 512, size: 32768 * 512 });
    expect(l.data).toEqual({ index: 6, start: 96256 * 512, size: 34816 * 512 });
    const d2 = new MemDisk(64 * MiB);
    d2.poke(0, mbrSector([mbrRecord({ type: 0x0c, start: 2048, size: 16384 }), mbrRecord({ type: 0x83, start: 18432, size: 100000 })]));
    const l2 = find3osPartitions(await readPartitionTable(d2));
    expect(l2.boot?.index).toBe(1);
    expect(l2.config).toBeUndefined();
    expect(l2.data).toBeUndefined();
  });
});
