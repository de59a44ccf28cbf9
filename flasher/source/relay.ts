/**
 * Re-emit the output of an in-process decoder chain with backpressure, translating whatever error
 * any stage raises (zlib codes, a source failure) into one FlashError, and tearing the whole chain
 * down when the consumer destroys it. Stream errors cannot be rewritten in place, hence a relay.
 * Optionally checks that exactly `expectBytes` came through (a file that shrank while being read,
 * or a decoder that stopped short, must not pass as a complete image).
 */
import { Readable, type Stream } from 'node:stream';
import { FlashError } from '../errors.js';

export interface RelayOptions {
  readonly expectBytes?: number | undefined;
  /** What the bytes are, for the size-mismatch message ("the decoded image"). */
  readonly what?: string | undefined;
}

export class Relay extends Readable {
  private count = 0;

  public constructor(
    private readonly inner: Readable,
    private readonly stages: readonly Stream[],
    mapError: (e: unknown) => FlashError,
    opts: RelayOptions = {},
  ) {
    super({ highWaterMark: 1 << 20 });
    const fail = (e: unknown): void => {
      if (!this.destroyed) this.destroy(mapError(e));
    };
    inner.on('data', (chunk: Buffer) => {
      this.count += chunk.length;
      if (!this.push(chunk)) inner.pause();
    });
    inner.once('end', () => {
      const want = opts.expectBytes;
      const what = opts.what ?? 'the image';
      if (want !== undefined && this.count < want) {
        fail(new FlashError('E_TRUNCATED', `${what} ended after ${this.count} of ${want} bytes`, { phase: 'decompress', offset: this.count }));
      } else if (want !== undefined && this.count > want) {
        fail(new FlashError('E_FORMAT_CORRUPT', `${what} is longer than its recorded size of ${want} bytes`, { phase: 'decompress', offset: want }));
      } else {
        this.push(null);
      }
    });
    inner.on('error', fail);
    for (const s of stages) s.on('error', fail);
  }

  /** Bytes relayed so far. */
  public get bytes(): number {
    return this.count;
  }

  public override _read(): void {
    this.inner.resume();
  }

  public override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.inner.destroy();
    for (const s of this.stages) {
      if ('destroy' in s && typeof s.destroy === 'function') (s as Readable).destroy();
    }
    cb(err);
  }
}
