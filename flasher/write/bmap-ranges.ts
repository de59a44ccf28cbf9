/**
 * Which byte ranges of the decoded stream to write, and the bmap's per-range checksums checked
 * on the source side as bytes stream past (a bmap that does not belong to the image is caught
 * before the partition table is written).
 */
import { createHash, type Hash } from 'node:crypto';
import { FlashError } from '../errors.js';
import { rangeBytes, type Bmap } from '../source/bmap.js';

export interface ByteRange {
  readonly start: number;
  readonly end: number;
  readonly checksum?: string | undefined;
}

export type BmapLike = Pick<Bmap, 'imageSize' | 'blockSize' | 'checksumType' | 'ranges'>;

export function bmapByteRanges(b: BmapLike): ByteRange[] {
  return b.ranges.map((r) => ({ ...rangeBytes(b, r), checksum: r.checksum }));
}

/** Walks sorted ranges alongside the stream; yields the parts of each chunk to write. */
export class RangeCursor {
  private i = 0;
  private hash: Hash | undefined;

  public constructor(
    private readonly ranges: readonly ByteRange[],
    private readonly checksumType: string | undefined,
  ) {}

  /** Sub-ranges [start, end) of [offset, offset+data.length) that are mapped; checks checksums. */
  public take(offset: number, data: Uint8Array): ByteRange[] {
    const out: ByteRange[] = [];
    const end = offset + data.length;
    while (this.i < this.ranges.length) {
      const r = this.ranges[this.i];
      if (r === undefined || r.start >= end) break;
      const s = Math.max(r.start, offset);
      const e = Math.min(r.end, end);
      if (e > s) {
        out.push({ start: s, end: e });
        if (r.checksum !== undefined && this.checksumType !== undefined) {
          this.hash ??= createHash(this.checksumType);
          this.hash.update(data.subarray(s - offset, e - offset));
        }
      }
      if (r.end <= end) {
        this.finishRange(r);
        this.i++;
      } else break;
    }
    return out;
  }

  private finishRange(r: ByteRange): void {
    if (r.checksum === undefined || this.hash === undefined) {
      this.hash = undefined;
      return;
    }
    const got = this.hash.digest('hex');
    this.hash = undefined;
    if (got.toLowerCase() !== r.checksum.toLowerCase()) {
      throw new FlashError('E_BMAP', `the bmap does not match the image: checksum mismatch for bytes ${r.start}-${r.end - 1}`, {
        phase: 'decompress',
        offset: r.start,
      });
    }
  }

  /** After the stream: every range must have been seen. */
  public finish(): void {
    if (this.i < this.ranges.length) {
      const r = this.ranges[this.i];
      throw new FlashError('E_BMAP', `the bmap does not match the image: the image ended before mapped bytes ${r?.start ?? 0}-`, {
        phase: 'decompress',
        offset: r?.start,
      });
    }
  }
}
