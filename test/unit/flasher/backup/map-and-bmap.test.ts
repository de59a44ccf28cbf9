/**
 * The pure parts of backup: the usage map's normalisation (block alignment, clipping, 'used'
 * winning over 'unknown', adjacent regions joined) and the bmap 2.0 writer read back by our
 * own strict bmap parser (file checksum, counts, ranges).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderBmap } from '../../../../flasher/backup/bmap-write.js';
import { normalizeRegions, regionBytes } from '../../../../flasher/backup/usage.js';
import { parseBmap } from '../../../../flasher/source/bmap.js';

describe('normalizeRegions', () => {
  it('aligns out to blocks, clips to the disk, joins neighbours, and used wins over unknown', () => {
    const r = normalizeRegions(
      [
        { start: 100, end: 5000, kind: 'unknown' },
        { start: 4096, end: 8192, kind: 'used' },
        { start: 8192, end: 12288, kind: 'used' },
        { start: 20000, end: 50000, kind: 'unknown' },
      ],
      40960,
      4096,
    );
    expect(r).toEqual([
      { start: 0, end: 4096, kind: 'unknown' },
      { start: 4096, end: 12288, kind: 'used' },
      { start: 16384, end: 40960, kind: 'unknown' },
    ]);
    expect(regionBytes(r)).toBe(4096 + 8192 + 24576);
  });

  it('drops empty regions and keeps a used region inside an unknown one', () => {
    const r = normalizeRegions([{ start: 0, end: 16384, kind: 'unknown' }, { start: 8192, end: 8192, kind: 'used' }, { start: 4096, end: 8192, kind: 'used' }], 16384, 4096);
    expect(r.map((x) => x.kind)).toEqual(['unknown', 'used', 'unknown']);
  });
});

describe('renderBmap', () => {
  it('writes a bmap 2.0 that the strict parser accepts, with the file checksum and short last block', () => {
    const h = (s: string): string => createHash('sha256').update(s).digest('hex');
    const text = renderBmap({ imageSize: 10 * 4096 + 100, blockSize: 4096, ranges: [{ first: 0, last: 2, sha256: h('a') }, { first: 10, last: 10, sha256: h('b') }], comment: 'a -- b' });
    const b = parseBmap(text);
    expect(b.version).toBe('2.0');
    expect(b.blocksCount).toBe(11);
    expect(b.mappedBlocksCount).toBe(4);
    expect(b.mappedBytes).toBe(3 * 4096 + 100);
    expect(b.ranges.map((r) => [r.first, r.last, r.checksum])).toEqual([[0, 2, h('a')], [10, 10, h('b')]]);
    // One changed byte anywhere breaks the file's own checksum.
    const bad = Buffer.from(text.toString().replace('<BlockSize> 4096', '<BlockSize> 4095'));
    expect(() => parseBmap(bad)).toThrow(/checksum|BlocksCount/);
  });
});
