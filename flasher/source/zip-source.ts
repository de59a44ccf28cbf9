/**
 * Zip images: yauzl reads the central directory (zip64 included) and the local header; we pick the
 * disk-image entry and stream its stored or deflated bytes ourselves (1 MiB reads, zlib inflateRaw
 * with 1 MiB chunks), checking the CRC-32 and size from the directory, because deflate alone does
 * not notice a flipped bit in a stored entry. Over http, yauzl's RandomAccessReader is served from a
 * prefetched tail (the directory) and Range requests, and the entry data is one resumable ranged
 * download: nothing is staged on disk, but the server must support Range.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import yauzl from 'yauzl';
import { FlashError, isFlashError } from '../errors.js';
import { HttpSource, type HttpOptions } from './http-source.js';
import { Relay } from './relay.js';

export interface ZipImageEntry {
  readonly name: string;
  /** 0 stored, 8 deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  /** Offset of the entry's data in the zip. */
  readonly dataStart: number;
  readonly entryCount: number;
}

const PHASE = { phase: 'open' as const };

export function mapZipError(e: unknown): FlashError {
  if (isFlashError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (/end of central directory record signature not found/i.test(msg)) {
    return new FlashError('E_TRUNCATED', 'the zip image has no central directory at its end: the file is truncated (or not a zip)', { ...PHASE, cause: e });
  }
  return new FlashError('E_FORMAT_CORRUPT', `the zip image is corrupt (${msg})`, { ...PHASE, cause: e });
}

const IMAGE_EXT = /\.(img|raw|iso)$/i;

/** The image entry: the first .img/.raw/.iso file, else the largest file; junk entries ignored. */
export function chooseEntry<T extends { fileName: string; uncompressedSize: number }>(entries: readonly T[]): T | undefined {
  const files = entries.filter((e) => !e.fileName.endsWith('/') && !e.fileName.startsWith('__MACOSX/') && !/(^|\/)\._/.test(e.fileName));
  const img = files.find((e) => IMAGE_EXT.test(e.fileName));
  if (img !== undefined) return img;
  let best: T | undefined;
  for (const e of files) if (best === undefined || e.uncompressedSize > best.uncompressedSize) best = e;
  return best;
}

async function inspect(zip: yauzl.ZipFile): Promise<ZipImageEntry> {
  const entries: yauzl.Entry[] = [];
  for await (const e of zip.eachEntry()) entries.push(e);
  const entry = chooseEntry(entries);
  if (entry === undefined) throw new FlashError('E_FORMAT_UNKNOWN', 'the zip archive holds no file', PHASE);
  if (entry.isEncrypted()) throw new FlashError('E_FORMAT_UNKNOWN', `zip entry ${entry.fileName} is encrypted`, PHASE);
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    throw new FlashError('E_FORMAT_UNKNOWN', `zip entry ${entry.fileName} uses compression method ${entry.compressionMethod}; only stored and deflate are supported`, PHASE);
  }
  const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
  return {
    name: entry.fileName,
    method: entry.compressionMethod,
    compressedSize: entry.compressedSize,
    size: entry.uncompressedSize,
    crc32: entry.crc32,
    dataStart: fileDataStart,
    entryCount: entries.length,
  };
}

export async function inspectZipFile(path: string): Promise<ZipImageEntry> {
  let zip: yauzl.ZipFile | undefined;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
    return await inspect(zip);
  } catch (e) {
    throw mapZipError(e);
  } finally {
    zip?.close();
  }
}

const TAIL_PREFETCH = 256 * 1024;

/** yauzl reader over http: the directory comes from one prefetched tail, the rest from Range requests. */
class HttpZipReader extends yauzl.RandomAccessReader {
  public constructor(
    private readonly url: string,
    private readonly tail: Buffer,
    private readonly tailStart: number,
    private readonly opts: HttpOptions,
  ) {
    super();
  }

  public override _readStreamForRange(start: number, end: number): Readable {
    if (start >= this.tailStart) return Readable.from([this.tail.subarray(start - this.tailStart, end - this.tailStart)]);
    const pass = new Transform({ transform: (c: Buffer, _e, cb) => cb(null, c) });
    HttpSource.open(this.url, { ...this.opts, start, end }).then(
      (s) => {
        s.on('error', (e) => pass.destroy(e));
        s.pipe(pass);
      },
      (e: unknown) => pass.destroy(e instanceof Error ? e : new Error(String(e))),
    );
    return pass;
  }
}

async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts);
}

export async function inspectZipHttp(url: string, totalSize: number, opts: HttpOptions): Promise<ZipImageEntry> {
  const tailStart = Math.max(0, totalSize - TAIL_PREFETCH);
  let zip: yauzl.ZipFile | undefined;
  try {
    const tail = await readAll(await HttpSource.open(url, { ...opts, start: tailStart, end: totalSize }));
    zip = await yauzl.fromRandomAccessReaderPromise(new HttpZipReader(url, tail, tailStart, opts), totalSize, { lazyEntries: true, autoClose: false });
    return await inspect(zip);
  } catch (e) {
    throw mapZipError(e);
  } finally {
    zip?.close();
  }
}

/** Checks the decoded entry against the directory's CRC-32 and size. */
class ZipCheck extends Transform {
  private crc = 0;
  private count = 0;
  public constructor(
    private readonly entry: ZipImageEntry,
    private readonly beforeEnd: () => Promise<void>,
  ) {
    super({ highWaterMark: 1 << 20 });
  }
  public override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.crc = zlib.crc32(chunk, this.crc);
    this.count += chunk.length;
    if (this.count > this.entry.size) {
      cb(new FlashError('E_FORMAT_CORRUPT', `zip entry ${this.entry.name} decodes to more than its recorded ${this.entry.size} bytes`, { phase: 'decompress' }));
      return;
    }
    cb(null, chunk);
  }
  public override _flush(cb: TransformCallback): void {
    if (this.count < this.entry.size) {
      cb(new FlashError('E_TRUNCATED', `zip entry ${this.entry.name} ends early: ${this.count} of ${this.entry.size} bytes`, { phase: 'decompress' }));
    } else if (this.crc !== this.entry.crc32) {
      cb(new FlashError('E_FORMAT_CORRUPT', `zip entry ${this.entry.name} is corrupt: CRC-32 mismatch`, { phase: 'decompress' }));
    } else {
      this.beforeEnd().then(() => cb(), (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))));
    }
  }
}

function mapEntryError(e: unknown): FlashError {
  if (isFlashError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(msg)) {
    return new FlashError('E_TRUNCATED', 'the zip entry ends early (truncated file?)', { phase: 'decompress', cause: e });
  }
  return new FlashError('E_FORMAT_CORRUPT', `the zip entry is corrupt (${msg})`, { phase: 'decompress', cause: e });
}

/**
 * Decoded entry bytes from its raw (compressed) bytes. `beforeEnd` runs before the stream ends
 * (used to finish hashing the whole zip file).
 */
export function zipEntryDecoder(raw: Readable, entry: ZipImageEntry, beforeEnd: () => Promise<void> = () => Promise.resolve()): Readable {
  const check = new ZipCheck(entry, beforeEnd);
  if (entry.method === 8) {
    const inflate = zlib.createInflateRaw({ chunkSize: 1 << 20 });
    raw.pipe(inflate).pipe(check);
    return new Relay(check, [raw, inflate], mapEntryError);
  }
  raw.pipe(check);
  return new Relay(check, [raw], mapEntryError);
}
