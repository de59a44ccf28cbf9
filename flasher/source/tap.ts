/**
 * A pass-through on the raw (still compressed) source bytes: counts them for progress, hashes them
 * (SHA-256, to compare with a published checksum of the download) and keeps the last few bytes,
 * which lets a decoder tell "file ends early" from "file is corrupt" after the fact.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

const TAIL = 64;

export class RawTap extends Transform {
  private readonly hash: Hash | undefined;
  private count = 0;
  private digest: string | undefined;
  private lastBytes: Buffer = Buffer.alloc(0);
  /** True once the source delivered its last byte. */
  public ended = false;

  /** `hash`: keep a SHA-256 of the raw bytes (costs a core at ~2 GB/s; only needed for a published checksum). */
  public constructor(hash = true) {
    super({ highWaterMark: 1 << 20 });
    this.hash = hash ? createHash('sha256') : undefined;
  }

  public override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.count += chunk.length;
    this.hash?.update(chunk);
    this.lastBytes = chunk.length >= TAIL ? chunk.subarray(chunk.length - TAIL) : Buffer.concat([this.lastBytes, chunk]).subarray(-TAIL);
    cb(null, chunk);
  }

  public override _flush(cb: TransformCallback): void {
    this.digest = this.hash?.digest('hex');
    this.ended = true;
    cb();
  }

  public bytes(): number {
    return this.count;
  }

  /** Hex SHA-256 of everything that passed, once the source ended; undefined before. */
  public sha256(): string | undefined {
    return this.digest;
  }

  /** Up to the last 64 bytes seen (a copy). */
  public tail(): Buffer {
    return Buffer.from(this.lastBytes);
  }
}
