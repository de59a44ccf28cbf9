import { describe, expect, it } from 'vitest';
import { FlashError } from '../../../../flasher/errors.js';
import { randomizeDiskGuid } from '../../../../provisioning/partition/disk-guid.js';
import { readPartitionTable } from '../../../../provisioning/partition/read-table.js';
import { MemDisk, threeOsGpt, threeOsMbr, writeGpt } from './fixtures.js';

const MiB = 1024 * 1024;

describe('randomizeDiskGuid', () => {
  it('writes a new disk GUID into both headers, keeps partition GUIDs and the entry arrays', async () => {
    const d = new MemDisk(64 * MiB);
    writeGpt(d, threeOsGpt(131072));
    const before = await readPartitionTable(d);
    const arrays = [await d.read(2 * 512, 16384), await d.read(131039 * 512, 16384)];
    const r = await randomizeDiskGuid(d);
    expect(r.changed).toBe(true);
    expect(r.before).toBe('0a0b0c0d-0e0f-4011-8213-141516171819');
    expect(r.after).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.after).not.toBe(r.before);
    const after = await readPartitionTable(d);
    if (after.kind !== 'gpt' || before.kind !== 'gpt') throw new Error('expected gpt');
    expect(after.diskGuid).toBe(r.after);
    expect(after.primary.ok && after.backup.ok).toBe(true);
    expect(after.warnings).toEqual([]); // the backup carries the same GUID
    expect(after.partitions).toEqual(before.partitions);
    expect((await d.read(2 * 512, 16384)).equals(arrays[0] ?? Buffer.alloc(0))).toBe(true);
    expect((await d.read(131039 * 512, 16384)).equals(arrays[1] ?? Buffer.alloc(0))).toBe(true);
    expect(d.ops).toEqual([{ op: 'write', offset: 131071 * 512, length: 512 }, { op: 'flush' }, { op: 'write', offset: 512, length: 512 }, { op: 'flush' }]);
  });

  it('two runs give two different GUIDs', async () => {
    const d = new MemDisk(64 * MiB);
    writeGpt(d, threeOsGpt(131072));
    const a = await randomizeDiskGuid(d);
    const b = await randomizeDiskGuid(d);
    expect(b.before).toBe(a.after);
    expect(b.after).not.toBe(a.after);
  });

  it('leaves MBR disks alone and refuses a damaged GPT', async () => {
    const m = new MemDisk(64 * MiB);
    threeOsMbr(m);
    expect(await randomizeDiskGuid(m)).toEqual({ changed: false, kind: 'mbr' });
    expect(m.ops).toEqual([]);
    const d = new MemDisk(64 * MiB);
    writeGpt(d, threeOsGpt(131072));
    d.poke(131071 * 512 + 60, Buffer.from([7]));
    await expect(randomizeDiskGuid(d)).rejects.toThrow(FlashError);
    expect(d.ops).toEqual([]);
  });
});
