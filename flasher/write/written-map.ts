/**
 * What was written where, as 64 KiB pieces with an XXH64 hash each, so verification can read
 * the target back and name the first bad block without keeping the image in memory.
 * XXH64 (xxhash-wasm, ~10 GB/s, no native code) is far faster than any drive; SHA-256 of the
 * whole image is kept separately for published checksums.
 */
import xxhash, { type XXHashAPI } from 'xxhash-wasm';

export const PIECE = 64 * 1024;

let api: Promise<XXHashAPI> | undefined;
export function xxh(): Promise<XXHashAPI> {
  api ??= xxhash();
  return api;
}

export interface Piece {
  readonly offset: number;
  readonly length: number;
  readonly hash: bigint;
}

export class WrittenMap {
  private readonly starts: number[] = [];
  private readonly lengths: number[] = [];
  private readonly hashes: bigint[] = [];

  public constructor(private readonly h64: XXHashAPI['h64Raw']) {}

  /** Record `data` as image bytes at `offset`; it is cut on the 64 KiB grid. */
  public add(offset: number, data: Uint8Array): void {
    let pos = 0;
    while (pos < data.length) {
      const abs = offset + pos;
      const len = Math.min(PIECE - (abs % PIECE), data.length - pos);
      this.starts.push(abs);
      this.lengths.push(len);
      this.hashes.push(this.h64(data.subarray(pos, pos + len)));
      pos += len;
    }
  }

  public get count(): number {
    return this.starts.length;
  }

  public get bytes(): number {
    let n = 0;
    for (const l of this.lengths) n += l;
    return n;
  }

  public piece(i: number): Piece {
    return { offset: this.starts[i] ?? 0, length: this.lengths[i] ?? 0, hash: this.hashes[i] ?? 0n };
  }

  /**
   * Group pieces into contiguous runs of at most `max` bytes, for reading back.
   * Yields [firstPieceIndex, endPieceIndex).
   */
  public *runs(max: number): Generator<[number, number]> {
    let i = 0;
    while (i < this.starts.length) {
      let j = i + 1;
      let end = (this.starts[i] ?? 0) + (this.lengths[i] ?? 0);
      let size = this.lengths[i] ?? 0;
      while (j < this.starts.length && this.starts[j] === end && size + (this.lengths[j] ?? 0) <= max) {
        size += this.lengths[j] ?? 0;
        end += this.lengths[j] ?? 0;
        j++;
      }
      yield [i, j];
      i = j;
    }
  }
}
