/**
 * The one entry point for image sources: `openImage(spec)` takes a local path or an http(s) URL,
 * detects the format from its magic bytes, learns the decoded size where the format records it,
 * and returns the decoded bytes as a stream that either delivers the whole image or fails with a
 * FlashError (never a silent short end). The write pipeline consumes only this.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { FlashError, isFlashError } from '../errors.js';
import { createDecoder, type DecoderPreferences } from './decoders.js';
import { DETECT_BYTES, detectFormat, type ImageFormat } from './detect-format.js';
import { HttpSource, isHttpUrl } from './http-source.js';
import { openLocal, readLocal, sourceError } from './local-file.js';
import { Relay } from './relay.js';
import { gzipIsize, xzDecodedSize } from './size-probe.js';
import { RawTap } from './tap.js';
import { inspectZipFile, inspectZipHttp, zipEntryDecoder, type ZipImageEntry } from './zip-source.js';
import { zstdDecodedSize } from './zstd-frames.js';

export type { ImageFormat } from './detect-format.js';
export type { DecoderPreferences } from './decoders.js';

export interface OpenImageOptions {
  readonly signal?: AbortSignal;
  readonly onInfo?: (msg: string) => void;
  /** Force decoder implementations (default: the measured fastest available). */
  readonly decoders?: DecoderPreferences;
  /** http(s): consecutive failed attempts allowed when resuming (default 5). */
  readonly maxRetries?: number;
  /** http(s): first retry delay in ms, doubling per failure (default 500). */
  readonly retryDelayMs?: number;
}

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

interface Built {
  readonly format: ImageFormat;
  readonly localPath: string | undefined;
  readonly compressedSize: number | undefined;
  readonly size: number | undefined;
  readonly sizeExact: boolean;
  readonly decoder: string;
  readonly entryName: string | undefined;
  readonly decoded: Readable;
  readonly tap: RawTap;
  readonly rawSha256: () => string | undefined;
  readonly resources: readonly Readable[];
}

function cancelled(): FlashError {
  return new FlashError('E_CANCELLED', 'cancelled', { phase: 'source' });
}

/** Read the first `n` bytes without consuming them; returns the stream to continue from. */
async function peek(s: Readable, n: number): Promise<{ head: Buffer; rest: Readable }> {
  const parts: Buffer[] = [];
  let len = 0;
  let ended = false;
  while (len < n && !ended) {
    const c = s.read() as Buffer | null;
    if (c !== null) {
      parts.push(c);
      len += c.length;
      continue;
    }
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        s.off('readable', done);
        s.off('end', onEnd);
        s.off('error', onErr);
        resolve();
      };
      const onEnd = (): void => {
        ended = true;
        done();
      };
      const onErr = (e: Error): void => {
        s.off('readable', done);
        s.off('end', onEnd);
        reject(e);
      };
      s.once('readable', done);
      s.once('end', onEnd);
      s.once('error', onErr);
    });
  }
  const head = Buffer.concat(parts);
  if (ended) return { head, rest: Readable.from(head.length > 0 ? [head] : [], { objectMode: false }) };
  if (head.length > 0) s.unshift(head);
  return { head, rest: s };
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    const s = createReadStream(path, { highWaterMark: 1 << 20 });
    s.on('data', (c) => h.update(c));
    s.once('end', () => resolve(h.digest('hex')));
    s.once('error', (e) => reject(sourceError(e, path)));
  });
}

async function buildLocal(spec: string, opts: OpenImageOptions): Promise<Built> {
  const lf = await openLocal(spec);
  let format: ImageFormat;
  let size: number | undefined;
  let sizeExact = true;
  let entry: ZipImageEntry | undefined;
  try {
    const head = Buffer.alloc(Math.min(DETECT_BYTES, lf.size));
    await lf.handle.read(head, 0, head.length, 0);
    format = detectFormat(head);
    if (format === 'raw') size = lf.size;
    else if (format === 'xz') size = await xzDecodedSize(lf.handle, lf.size);
    else if (format === 'zstd') size = await zstdDecodedSize(lf.handle, lf.size);
    else if (format === 'gzip') {
      size = await gzipIsize(lf.handle, lf.size);
      sizeExact = false;
    }
  } catch (e) {
    throw isFlashError(e) ? e : sourceError(e, lf.path);
  } finally {
    await lf.handle.close();
  }
  const tap = new RawTap();
  if (format === 'zip') {
    entry = await inspectZipFile(lf.path);
    const file = readLocal(lf.path, entry.dataStart, entry.dataStart + entry.compressedSize);
    file.on('error', (e) => tap.destroy(sourceError(e, lf.path)));
    file.pipe(tap);
    let whole: string | undefined;
    const wholeHash = hashFile(lf.path).then((h) => {
      whole = h;
    });
    wholeHash.catch(() => undefined); // reported through the stream (beforeEnd) if it matters
    const decoded = zipEntryDecoder(tap, entry, () => wholeHash);
    return {
      format, localPath: lf.path, compressedSize: entry.compressedSize, size: entry.size, sizeExact: true,
      decoder: entry.method === 8 ? 'zlib inflateRaw (zip)' : 'none (zip, stored)', entryName: entry.name,
      decoded, tap, rawSha256: () => whole, resources: [file, tap],
    };
  }
  const file = readLocal(lf.path);
  file.on('error', (e) => tap.destroy(sourceError(e, lf.path)));
  file.pipe(tap);
  const dec = await createDecoder(format, tap, tap, opts.decoders);
  return {
    format, localPath: lf.path, compressedSize: lf.size, size, sizeExact: size !== undefined && sizeExact,
    decoder: dec.name, entryName: undefined, decoded: dec.stream, tap, rawSha256: () => tap.sha256(), resources: [file, tap],
  };
}

async function buildHttp(spec: string, opts: OpenImageOptions): Promise<Built> {
  const http = { signal: opts.signal, onInfo: opts.onInfo, maxRetries: opts.maxRetries, retryDelayMs: opts.retryDelayMs };
  const src = await HttpSource.open(spec, http);
  let head: Buffer;
  let rest: Readable;
  try {
    ({ head, rest } = await peek(src, DETECT_BYTES));
  } catch (e) {
    src.destroy();
    throw e;
  }
  let format: ImageFormat;
  try {
    format = detectFormat(head);
  } catch (e) {
    src.destroy();
    throw e;
  }
  const tap = new RawTap();
  if (format === 'zip') {
    src.destroy();
    const total = src.totalSize ?? (() => {
      throw new FlashError('E_NETWORK', `the server did not send the size of ${spec}, which a zip over http needs`, { phase: 'source' });
    })();
    const entry = await inspectZipHttp(src.finalUrl, total, http);
    const raw = await HttpSource.open(src.finalUrl, { ...http, start: entry.dataStart, end: entry.dataStart + entry.compressedSize });
    raw.pipe(tap);
    raw.on('error', (e) => tap.destroy(e));
    return {
      format, localPath: undefined, compressedSize: entry.compressedSize, size: entry.size, sizeExact: true,
      decoder: entry.method === 8 ? 'zlib inflateRaw (zip, http ranges)' : 'none (zip, stored, http ranges)', entryName: entry.name,
      decoded: zipEntryDecoder(tap, entry), tap, rawSha256: () => undefined, resources: [raw, tap],
    };
  }
  rest.on('error', (e) => tap.destroy(e));
  rest.pipe(tap);
  const dec = await createDecoder(format, tap, tap, opts.decoders);
  const size = format === 'raw' ? src.totalSize : undefined;
  return {
    format, localPath: undefined, compressedSize: src.totalSize, size, sizeExact: size !== undefined,
    decoder: dec.name, entryName: undefined, decoded: dec.stream, tap, rawSha256: () => tap.sha256(), resources: [src, rest, tap],
  };
}

function asFlashError(e: unknown): FlashError {
  if (isFlashError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new FlashError('E_FORMAT_CORRUPT', `cannot decode the image: ${msg}`, { phase: 'decompress', cause: e });
}

class Opened implements OpenedImage {
  public readonly stream: Relay;
  private closing: Promise<void> | undefined;

  public constructor(
    public readonly spec: string,
    private readonly b: Built,
    signal: AbortSignal | undefined,
  ) {
    this.stream = new Relay(b.decoded, [], asFlashError, {
      expectBytes: b.sizeExact ? b.size : undefined,
      what: 'the decoded image',
    });
    if (signal !== undefined) {
      const onAbort = (): void => {
        this.stream.destroy(cancelled());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.stream.once('close', () => signal.removeEventListener('abort', onAbort));
    }
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
      this.stream.destroy();
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
