/**
 * Fetch a URL into a `.part` file, resuming from what the file already holds (http Range, through
 * flasher/source/http-source.ts, which also resumes dropped connections, follows at most 5
 * redirects and refuses https->http). The body is bounded: a declared size larger than the
 * catalog's is refused before reading, and a body that runs past it is cut off and rejected
 * (E_OVERSIZE). file:// URLs and plain paths are copied the same way, for local catalogs.
 */
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { Transform, type TransformCallback, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { FlashError, isFlashError, sysCode } from '../errors.js';
import { HttpSource, isHttpUrl } from '../source/http-source.js';

export interface DownloadOptions {
  /** Refuse a body larger than this many bytes (the catalog's declared download size). */
  readonly maxBytes?: number | undefined;
  readonly ca?: string | Buffer | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onInfo?: ((msg: string) => void) | undefined;
  /** Bytes in the .part file so far, and the total when known. */
  readonly onProgress?: ((bytes: number, total: number | undefined) => void) | undefined;
  readonly maxRetries?: number | undefined;
  readonly retryDelayMs?: number | undefined;
}

function oversize(url: string, max: number, got: string): FlashError {
  return new FlashError('E_OVERSIZE', `${redact(url)} is larger than the ${max} bytes its catalog declares (${got}); download rejected`, { phase: 'source' });
}

/** A URL without query or credentials, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'file:' ? u.pathname : `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}

/** Counts bytes, reports progress, and cuts the stream off past `max`. */
class Limit extends Transform {
  public constructor(
    private count: number,
    private readonly max: number | undefined,
    private readonly total: number | undefined,
    private readonly url: string,
    private readonly onProgress: DownloadOptions['onProgress'],
  ) {
    super();
  }

  public override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.max !== undefined && this.count + chunk.length > this.max) {
      cb(oversize(this.url, this.max, 'the body ran past it'));
      return;
    }
    this.count += chunk.length;
    this.onProgress?.(this.count, this.total);
    cb(null, chunk);
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await fsp.stat(path)).size;
  } catch (e) {
    if (sysCode(e) === 'ENOENT') return 0;
    throw e;
  }
}

async function openLocal(url: string, start: number): Promise<{ src: Readable; total: number }> {
  const path = /^file:\/\//i.test(url) ? fileURLToPath(url) : url;
  try {
    const st = await fsp.stat(path);
    return { src: createReadStream(path, { start, highWaterMark: 1 << 20 }), total: st.size };
  } catch (e) {
    throw new FlashError('E_SOURCE_MISSING', `cannot read ${path}: ${sysCode(e) ?? String(e)}`, { phase: 'source', cause: e });
  }
}

/**
 * Download `url` into `partPath`, appending to what is already there. Resolves when the body ended;
 * the caller checks size and checksum and renames. On E_OVERSIZE the .part file is removed.
 */
export async function downloadToPart(url: string, partPath: string, opts: DownloadOptions = {}): Promise<void> {
  let start = await sizeOf(partPath);
  if (opts.maxBytes !== undefined && start > opts.maxBytes) {
    await fsp.rm(partPath, { force: true });
    start = 0;
  }
  let src: Readable;
  let total: number | undefined;
  if (isHttpUrl(url)) {
    const http = { signal: opts.signal, onInfo: opts.onInfo, ca: opts.ca, maxRetries: opts.maxRetries, retryDelayMs: opts.retryDelayMs };
    let s: HttpSource;
    try {
      s = await HttpSource.open(url, { ...http, start });
    } catch (e) {
      // A server that cannot resume: start over rather than splice.
      if (start === 0 || !isFlashError(e) || e.code !== 'E_NETWORK' || !/Range/.test(e.message)) throw e;
      opts.onInfo?.(`cannot resume ${redact(url)} at byte ${start}; downloading it again`);
      await fsp.rm(partPath, { force: true });
      start = 0;
      s = await HttpSource.open(url, http);
    }
    if (start > 0) opts.onInfo?.(`resuming ${redact(url)} at byte ${start}`);
    total = s.totalSize;
    src = s;
  } else {
    ({ src, total } = await openLocal(url, start));
  }
  if (opts.maxBytes !== undefined && total !== undefined && total > opts.maxBytes) {
    src.destroy();
    await fsp.rm(partPath, { force: true });
    throw oversize(url, opts.maxBytes, `the server announces ${total}`);
  }
  try {
    await pipeline(src, new Limit(start, opts.maxBytes, total, url, opts.onProgress), createWriteStream(partPath, { flags: 'a' }));
  } catch (e) {
    if (isFlashError(e) && e.code === 'E_OVERSIZE') await fsp.rm(partPath, { force: true });
    if (isFlashError(e)) throw e;
    throw new FlashError('E_NETWORK', `download of ${redact(url)} failed: ${e instanceof Error ? e.message : String(e)}`, { phase: 'source', cause: e });
  }
}

/** Fetch a small document (catalog, signature) into memory, bounded. */
export async function fetchSmall(url: string, maxBytes: number, opts: Omit<DownloadOptions, 'maxBytes' | 'onProgress'> = {}): Promise<Buffer> {
  let src: Readable;
  if (isHttpUrl(url)) src = await HttpSource.open(url, { signal: opts.signal, onInfo: opts.onInfo, ca: opts.ca, maxRetries: opts.maxRetries ?? 2, retryDelayMs: opts.retryDelayMs });
  else src = (await openLocal(url, 0)).src;
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of src) {
      const b = c as Buffer;
      n += b.length;
      if (n > maxBytes) throw oversize(url, maxBytes, 'the body ran past it');
      parts.push(b);
    }
  } finally {
    src.destroy();
  }
  return Buffer.concat(parts);
}
