/**
 * How openImage assembles a source: the local-file and http(s) chains (raw bytes -> tap -> decoder),
 * format detection on the first bytes, and the up-front size probes. Split from open-image.ts,
 * which keeps the public API and the lifetime (abort, close) of an opened image.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { FlashError, isFlashError } from '../errors.js';
import { createDecoder } from './decoders.js';
import { DETECT_BYTES, detectFormat, type ImageFormat } from './detect-format.js';
import { HttpSource } from './http-source.js';
import { openLocal, readLocal, sourceError } from './local-file.js';
import type { OpenImageOptions } from './open-options.js';
import { gzipIsize, xzDecodedSize } from './size-probe.js';
import { RawTap } from './tap.js';
import { inspectZipFile, inspectZipHttp, zipEntryDecoder, type ZipImageEntry } from './zip-source.js';
import { zstdDecodedSize } from './zstd-frames.js';

export interface Built {
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

export async function buildLocal(spec: string, opts: OpenImageOptions): Promise<Built> {
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
  const tap = new RawTap(opts.hashRaw !== false);
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
  // Without a raw hash to keep, a spawned xz/zstd reads the file itself.
  const direct = opts.hashRaw === false ? lf.path : undefined;
  const dec = await createDecoder(format, tap, tap, opts.decoders, direct);
  return {
    format, localPath: lf.path, compressedSize: lf.size, size, sizeExact: size !== undefined && sizeExact,
    decoder: dec.name, entryName: undefined, decoded: dec.stream, tap, rawSha256: () => tap.sha256(), resources: [file, tap],
  };
}

export async function buildHttp(spec: string, opts: OpenImageOptions): Promise<Built> {
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
  const tap = new RawTap(opts.hashRaw !== false);
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

