/**
 * What was written where, as 64 KiB pieces with an XXH64 hash each (computed by the hash worker
 * while writing), so verification can read the target back and name the first bad block without
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
