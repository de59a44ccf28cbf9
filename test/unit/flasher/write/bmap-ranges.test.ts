/** The bmap range walk: mapped sub-ranges per chunk, and range checksums across chunk borders. */
import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { RangeCursor, bmapByteRanges } from '../../../../flasher/write/bmap-ranges.js';
import { isFlashError } from '../../../../flasher/errors.js';

const img = randomBytes(40_000);
const sum = (a: number, b: number): string => createHash('sha256').update(img.subarray(a, b)).digest('hex');

describe('bmapByteRanges', () => {
  it('turns inclusive block ranges into byte ranges, the last block short', () => {
    const r = bmapByteRanges({ imageSize: 10_000, blockSize: 4096, checksumType: undefined, ranges: [{ first: 0, last: 0, checksum: undefined }, { first: 2, last: 2, checksum: undefined }] });
    expect(r).toEqual([{ start: 0, end: 4096, checksum: undefined }, { start: 8192, end: 10_000, checksum: undefined }]);
  });
});

describe('RangeCursor', () => {
  const ranges = [
    { start: 0, end: 5000, checksum: sum(0, 5000) },
    { start: 9000, end: 23_000, checksum: sum(9000, 23_000) },
    { start: 30_000, end: 40_000, checksum: sum(30_000, 40_000) },
  ];

  it('yields the mapped parts of each chunk and accepts matching checksums', () => {
    const c = new RangeCursor(ranges, 'sha256');
    const parts = [];
    for (let off = 0; off < img.length; off += 8192) parts.push(...c.take(off, img.subarray(off, Math.min(off + 8192, img.length))));
    c.finish();
    const covered = parts.reduce((n, p) => n + (p.end - p.start), 0);
    expect(covered).toBe(5000 + 14_000 + 10_000);
    expect(parts[0]).toEqual({ start: 0, end: 5000 });
    expect(parts.some((p) => p.start === 16_384 && p.end === 23_000)).toBe(true);
  });

  it('refuses a range whose bytes do not match, naming its offset', () => {
    const bad = Buffer.from(img);
    bad[12_345] = (bad[12_345] ?? 0) ^ 1;
    const c = new RangeCursor(ranges, 'sha256');
    let err: unknown;
    try {
      for (let off = 0; off < bad.length; off += 8192) c.take(off, bad.subarray(off, Math.min(off + 8192, bad.length)));
    } catch (e) {
      err = e;
    }
    expect(isFlashError(err) && err.code === 'E_BMAP' && err.offset === 9000).toBe(true);
  });

  it('refuses an image that ends before the last mapped range', () => {
    const c = new RangeCursor(ranges, 'sha256');
    c.take(0, img.subarray(0, 20_000));
    expect(() => c.finish()).toThrow(/ended before/);
  });
});
