/**
 * What was written where, as 64 KiB pieces with an XXH64 hash each (computed on the main thread
 * while writing, ~3 GB/s; the worker keeps the slower SHA-256), so verification can read the target back and name the first bad block without
 * keeping the image in memory. XXH64 is far faster than any drive; the SHA-256 of the whole image
 * is kept separately for published checksums.
 */
import xxhash, { type XXHashAPI } from 'xxhash-wasm';

export const PIECE = 64 * 1024;

let api: Promise<XXHashAPI> | undefined;
export function xxh(): Promise<XXHashAPI> {
  api ??= xxhash();
  return api;
}

/**
 * Hash the 64 KiB pieces (aligned to the image, so every write of the same image cuts them the
 * same way) of the image ranges [start, end) that lie in `data` (image offset `offset`) into `map`.
 */
export function hashPieces(map: WrittenMap, data: Buffer, offset: number, ranges: readonly { readonly start: number; readonly end: number }[], h64: (b: Uint8Array) => bigint): void {
  const starts: number[] = [];
  const lens: number[] = [];
  const hashes: bigint[] = [];
  for (const { start, end } of ranges) {
    for (let pos = start; pos < end; ) {
      const len = Math.min(PIECE - (pos % PIECE), end - pos);
      const at = pos - offset;
      starts.push(pos);
      lens.push(len);
      hashes.push(h64(data.subarray(at, at + len)));
      pos += len;
    }
  }
  map.add(starts, lens, hashes);
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

  /** Record hashed pieces, in image order. */
  public add(starts: readonly number[], lens: readonly number[], hashes: readonly bigint[]): void {
    for (let i = 0; i < starts.length; i++) {
      this.starts.push(starts[i] ?? 0);
      this.lengths.push(lens[i] ?? 0);
      this.hashes.push(hashes[i] ?? 0n);
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
