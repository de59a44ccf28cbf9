// The staging disk behind planDisk: reads see staged writes laid over the disk in order, nothing
// reaches the disk until replay, replay keeps the order and the flush barriers, and verification
// notices a range that reads back differently.
import { describe, expect, it } from 'vitest';
import type { DiskIO } from '../../../../flasher/disk-io.js';
import { isFlashError } from '../../../../flasher/errors.js';
import { replay, snapshotRanges, StagedDisk, verifyReplayed, writeInfo, writtenRanges } from '../../../../provisioning/grow/staged-disk.js';

function memDisk(buf: Buffer, log: string[] = []): DiskIO {
  return {
    path: 'mem',
    size: buf.length,
    sectorSize: 512,
    read: (off, len) => Promise.resolve(Buffer.from(buf.subarray(off, off + len))),
    write: (off, data) => {
      log.push(`w${off}+${data.length}`);
      Buffer.from(data).copy(buf, off);
      return Promise.resolve();
    },
    flush: () => {
      log.push('f');
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

describe('StagedDisk', () => {
  it('stages writes in memory and reads them back laid over the disk, later writes winning', async () => {
    const buf = Buffer.alloc(4096, 1);
    const staged = new StagedDisk(memDisk(buf));
    staged.what = 'first';
    await staged.write(100, Buffer.alloc(50, 2));
    await staged.flush();
    await staged.flush(); // collapsed
    staged.what = 'second';
    await staged.write(120, Buffer.alloc(10, 3));
    expect(buf.equals(Buffer.alloc(4096, 1))).toBe(true);
    const r = await staged.read(90, 80);
    expect([...r.subarray(0, 10)]).toEqual(Array<number>(10).fill(1));
    expect([...r.subarray(10, 30)]).toEqual(Array<number>(20).fill(2));
    expect([...r.subarray(30, 40)]).toEqual(Array<number>(10).fill(3));
    expect([...r.subarray(40, 60)]).toEqual(Array<number>(20).fill(2));
    expect([...r.subarray(60)]).toEqual(Array<number>(20).fill(1));
    expect(writeInfo(staged.ops())).toEqual([
      { offset: 100, length: 50, what: 'first' },
      { offset: 120, length: 10, what: 'second' },
    ]);
    expect(staged.ops().map((o) => o.kind)).toEqual(['write', 'flush', 'write']);
    expect(writtenRanges(staged.ops())).toEqual([{ start: 100, end: 150 }]);
    const e: unknown = await staged.write(4090, Buffer.alloc(10)).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isFlashError(e) ? e.code : e).toBe('E_WRITE_IO');
  });

  it('replays in order with the recorded barriers, then verifies what it wrote', async () => {
    const buf = Buffer.alloc(4096);
    const log: string[] = [];
    const disk = memDisk(buf, log);
    const staged = new StagedDisk(disk);
    await staged.write(0, Buffer.from('aaaa'));
    await staged.flush();
    await staged.write(2, Buffer.from('bb'));
    const ops = staged.ops();
    const snap = await snapshotRanges(disk, ops);
    expect(snap).toEqual([{ start: 0, data: Buffer.alloc(4) }]);
    await replay(disk, ops, 'grow');
    expect(log).toEqual(['w0+4', 'f', 'w2+2', 'f']);
    expect(buf.toString('latin1', 0, 4)).toBe('aabb');
    await verifyReplayed(disk, ops, 'grow');
    buf[3] = 0x7a;
    const e: unknown = await verifyReplayed(disk, ops, 'seed').then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isFlashError(e) ? [e.code, e.offset, e.phase] : e).toEqual(['E_VERIFY_MISMATCH', 3, 'seed']);
  });
});
