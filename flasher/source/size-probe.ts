/**
 * Decoded size of a local compressed image, read from the format's own bookkeeping without
 * decoding: the xz index (every stream, from the end of the file backwards, skipping stream
 * padding), the zstd frame headers (zstd-frames.ts) and the gzip ISIZE trailer (see gzipIsize for
 * when it is trusted). Undefined whenever the file does not say or does not parse; the decoder then
 * reports what is wrong.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { DETECT_BYTES, detectFormat } from './detect-format.js';
import { localImagePath } from './image-spec.js';
import * as zlib from 'node:zlib';

async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer | undefined> {
  if (pos < 0 || len < 0) return undefined;
  const b = Buffer.alloc(len);
  const { bytesRead } = await fh.read(b, 0, len, pos);
  return bytesRead === len ? b : undefined;
}

const XZ_HEADER_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

/** xz multibyte integer (up to 9 bytes, 7 bits each, little-endian); [value, next offset]. */
function readVli(b: Buffer, at: number): [number, number] | undefined {
  let v = 0;
  for (let i = 0; i < 9; i++) {
    const byte = b[at + i];
    if (byte === undefined) return undefined;
    v += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return [v, at + i + 1];
  }
  return undefined;
}

interface XzIndex {
  readonly uncompressed: number;
  /** Bytes of all blocks (unpadded sizes rounded up to 4). */
  readonly blocks: number;
}

export function parseXzIndex(idx: Buffer): XzIndex | undefined {
  if (idx.length < 8 || idx[0] !== 0x00) return undefined;
  if (zlib.crc32(idx.subarray(0, idx.length - 4)) !== idx.readUInt32LE(idx.length - 4)) return undefined;
  let r = readVli(idx, 1);
  if (r === undefined) return undefined;
  const [count] = r;
  let at = r[1];
  let uncompressed = 0;
  let blocks = 0;
  for (let i = 0; i < count; i++) {
    r = readVli(idx, at);
    if (r === undefined) return undefined;
    blocks += Math.ceil(r[0] / 4) * 4;
    r = readVli(idx, r[1]);
    if (r === undefined) return undefined;
    uncompressed += r[0];
    at = r[1];
  }
  // Index padding brings the size to a multiple of four, then the CRC32.
  if (Math.ceil(at / 4) * 4 + 4 !== idx.length) return undefined;
  return { uncompressed, blocks };
}

/** Sum of the uncompressed sizes of every stream of an .xz file, from their indexes. */
export async function xzDecodedSize(fh: FileHandle, fileSize: number): Promise<number | undefined> {
  let pos = fileSize;
  let total = 0;
  let streams = 0;
  while (pos > 0) {
    if (pos % 4 !== 0) return undefined;
    const pad = await readAt(fh, pos - 4, 4);
    if (pad === undefined) return undefined;
    if (pad.readUInt32LE(0) === 0) {
      pos -= 4; // stream padding
      continue;
    }
    const footer = await readAt(fh, pos - 12, 12);
    if (footer === undefined || footer[10] !== 0x59 || footer[11] !== 0x5a) return undefined;
    if (zlib.crc32(footer.subarray(4, 10)) !== footer.readUInt32LE(0)) return undefined;
    const indexSize = (footer.readUInt32LE(4) + 1) * 4;
    const idx = await readAt(fh, pos - 12 - indexSize, indexSize);
    if (idx === undefined) return undefined;
    const parsed = parseXzIndex(idx);
    if (parsed === undefined) return undefined;
    const start = pos - 12 - indexSize - parsed.blocks - 12;
    const header = await readAt(fh, start, 12);
    if (header === undefined || !header.subarray(0, 6).equals(XZ_HEADER_MAGIC)) return undefined;
    if (!header.subarray(6, 8).equals(footer.subarray(8, 10))) return undefined;
    total += parsed.uncompressed;
    streams++;
    pos = start;
  }
  return streams > 0 ? total : undefined;
}

/**
 * gzip's ISIZE trailer is the decoded size of the LAST member modulo 2^32, so it is only a hint.
 * Rule: with compressed size C and trailer value I, trust I when
 *   1. I >= C (deflate never shrinks a disk image below its compressed size; a concatenated file
 *      whose last member is small fails here), and
 *   2. I + 2^32 > 16 * C (the next possible value would need a ratio above 16:1; below that a
 *      4 GiB wrap is plausible for zero-heavy OS images, so we say "unknown").
 * The result is flagged inexact by the caller; the decoder checks each member's ISIZE anyway.
 */
export async function gzipIsize(fh: FileHandle, fileSize: number): Promise<number | undefined> {
  if (fileSize < 18) return undefined;
  const t = await readAt(fh, fileSize - 4, 4);
  if (t === undefined) return undefined;
  const isize = t.readUInt32LE(0);
  if (isize < fileSize) return undefined;
  if (isize + 2 ** 32 <= 16 * fileSize) return undefined;
  return isize;
}

/**
 * Size of a local uncompressed image (its decoded size), judged by the same magic detection as
 * the decoders; undefined for URLs, compressed files and anything that is not a regular file
 * (a FIFO is never opened: that would block).
 */
export async function rawImageSize(image: string): Promise<number | undefined> {
  const path = localImagePath(image);
  if (path === undefined) return undefined;
  let fh: FileHandle | undefined;
  try {
    if (!(await stat(path)).isFile()) return undefined;
    fh = await open(path, 'r');
    const st = await fh.stat();
    const head = Buffer.alloc(Math.min(DETECT_BYTES, st.size));
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return detectFormat(head.subarray(0, bytesRead)) === 'raw' ? st.size : undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}
