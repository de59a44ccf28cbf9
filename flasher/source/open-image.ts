/**
 * The one entry point for image sources: `openImage(spec)` takes a local path or an http(s) URL,
 * detects the format from its magic bytes, learns the decoded size where the format records it,
 * and returns the decoded bytes as a stream that either delivers the whole image or fails with a
 * FlashError (never a silent short end). The write pipeline consumes only this.
 */
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { FlashError, isFlashError } from '../errors.js';
import type { ImageFormat } from './detect-format.js';
import { isHttpUrl } from './http-source.js';
import { buildHttp, buildLocal, type Built } from './image-builders.js';
import type { OpenImageOptions } from './open-options.js';
import { Relay } from './relay.js';
import { isSlabReadable, type SlabReader } from './slab-reader.js';

export type { ImageFormat } from './detect-format.js';
export type { DecoderPreferences } from './decoders.js';
export type { OpenImageOptions } from './open-options.js';

export interface OpenedImage {
  /** What the user gave (path or URL). */
  readonly spec: string;
  readonly format: ImageFormat;
  /** Absolute path when the source is a local file. */
  readonly localPath: string | undefined;
  /**
   * Raw bytes of the source, when known. For zip: the compressed size of the image entry, so that
   * sourceBytes() / compressedSize is a progress fraction.
   */
  readonly compressedSize: number | undefined;
  /** Decoded size when the format tells it. */
  readonly size: number | undefined;
  /** False when `size` is only a trusted hint (gzip ISIZE); true when the stream is checked against it. */
  readonly sizeExact: boolean;
  /** Which decoder runs (e.g. "xz -dc -T0"), for logs and reports. */
  readonly decoder: string;
  /** zip: the entry being written. */
  readonly entryName: string | undefined;
  /** The decoded bytes; errors are always FlashErrors. */
  readonly stream: Readable;
  /**
   * The decoded bytes read straight into caller buffers (slab-reader.ts), when the decoder offers
   * that and `stream` was not touched; use one or the other. Checked against the recorded size,
   * errors are FlashErrors, the abort signal cancels it.
   */
  slabReader(): SlabReader | undefined;
  /** Raw source bytes consumed so far (for progress). For zip: bytes of the entry's data. */
  sourceBytes(): number;
  /**
   * Hex SHA-256 of all raw source bytes, available after the stream ended (undefined before).
   * For a local zip: of the whole zip file. For a zip over http: undefined (only the entry is fetched).
   */
  rawSha256(): string | undefined;
  /** Idempotent; kills child processes and workers, closes sockets and files. */
  close(): Promise<void>;
}

function cancelled(): FlashError {
  return new FlashError('E_CANCELLED', 'cancelled', { phase: 'source' });
}

function asFlashError(e: unknown): FlashError {
  if (isFlashError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new FlashError('E_FORMAT_CORRUPT', `cannot decode the image: ${msg}`, { phase: 'decompress', cause: e });
}

class Opened implements OpenedImage {
  private relay: Relay | undefined;
  private slab: SlabReader | undefined;
  private closing: Promise<void> | undefined;
  /** A decoder error raised before anyone read (no 'error' may go unheard): handed to the relay. */
  private early: unknown;

  public constructor(
    public readonly spec: string,
    private readonly b: Built,
    private readonly signal: AbortSignal | undefined,
  ) {
    b.decoded.on('error', (e) => {
      if (this.relay === undefined) this.early ??= e;
    });
  }

  /** Built on first use: until then the decoder may still hand its bytes to a slab reader instead. */
  public get stream(): Relay {
    if (this.relay !== undefined) return this.relay;
    const relay = new Relay(this.b.decoded, [], asFlashError, {
      expectBytes: this.b.sizeExact ? this.b.size : undefined,
      what: 'the decoded image',
    });
    this.relay = relay;
    if (this.early !== undefined) relay.destroy(asFlashError(this.early));
    const signal = this.signal;
    if (signal?.aborted === true) relay.destroy(cancelled());
    else if (signal !== undefined) {
      const onAbort = (): void => {
        relay.destroy(cancelled());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      relay.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    return relay;
  }

  public slabReader(): SlabReader | undefined {
    if (this.slab !== undefined) return this.slab;
    const d = this.b.decoded;
    if (this.relay !== undefined || !isSlabReadable(d)) return undefined;
    const inner = d.claimSlabReader();
    if (inner === undefined) return undefined;
    const want = this.b.sizeExact ? this.b.size : undefined;
    const signal = this.signal;
    const aborted = (): boolean => signal?.aborted === true;
    let count = 0;
    this.slab = {
      fill: async (buf) => {
        if (aborted()) throw cancelled();
        let n: number;
        try {
          n = await inner.fill(buf);
        } catch (e) {
          throw aborted() ? cancelled() : asFlashError(e);
        }
        count += n;
        // The same checks (and words) as the stream's relay.
        if (want !== undefined && count > want) {
          throw new FlashError('E_FORMAT_CORRUPT', `the decoded image is longer than its recorded size of ${want} bytes`, { phase: 'decompress', offset: want });
        }
        if (want !== undefined && n < buf.length && count < want) {
          throw new FlashError('E_TRUNCATED', `the decoded image ended after ${count} of ${want} bytes`, { phase: 'decompress', offset: count });
        }
        return n;
      },
    };
    if (signal !== undefined) {
      const onAbort = (): void => {
        d.destroy();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      d.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    return this.slab;
  }

  public get format(): ImageFormat { return this.b.format; }
  public get localPath(): string | undefined { return this.b.localPath; }
  public get compressedSize(): number | undefined { return this.b.compressedSize; }
  public get size(): number | undefined { return this.b.size; }
  public get sizeExact(): boolean { return this.b.sizeExact; }
  public get decoder(): string { return this.b.decoder; }
  public get entryName(): string | undefined { return this.b.entryName; }

  public sourceBytes(): number {
    return this.b.tap.bytes();
  }

  public rawSha256(): string | undefined {
    return this.b.rawSha256();
  }

  public close(): Promise<void> {
    this.closing ??= (async () => {
      this.relay?.destroy();
      for (const r of this.b.resources) r.destroy();
      const d = this.b.decoded as Readable & { shutdown?: () => Promise<void> };
      if (typeof d.shutdown === 'function') await d.shutdown();
      else d.destroy();
    })();
    return this.closing;
  }
}

/** Open an image (local path or http(s) URL) for decoding. Throws FlashError. */
export async function openImage(spec: string, opts: OpenImageOptions = {}): Promise<OpenedImage> {
  if (opts.signal?.aborted === true) throw cancelled();
  let built: Built;
  if (isHttpUrl(spec)) built = await buildHttp(spec, opts);
  else if (/^file:\/\//i.test(spec)) {
    let path: string;
    try {
      path = fileURLToPath(spec);
    } catch (e) {
      throw new FlashError('E_SOURCE_MISSING', `not a usable file URL: ${spec}`, { phase: 'source', cause: e });
    }
    built = await buildLocal(path, opts);
  }
  else built = await buildLocal(spec, opts);
  const img = new Opened(spec, built, opts.signal);
  opts.onInfo?.(`image ${spec}: ${built.format}${built.entryName === undefined ? '' : ` (entry ${built.entryName})`}, decoder ${built.decoder}, size ${built.size ?? 'unknown'}`);
  return img;
}
