/**
 * zstd frame structure (RFC 8878 section 3.1), parsed without decoding: frame headers (for the
 * decoded size), block headers (to find where each frame ends) and skippable frames. Used to split
 * a multi-frame stream so Node's built-in zstd decoder, which stops after one frame, gets a fresh
 * decoder per frame, and to learn the decoded size of a local file up front.
 */
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { FlashError } from '../errors.js';

export const ZSTD_MAGIC = 0xfd2fb528;

export function isSkippable(magic: number): boolean {
  return (magic & 0xfffffff0) === 0x184d2a50;
}

export interface FrameHeader {
  /** Bytes from the magic number to the first block header. */
  readonly headerSize: number;
  /** Frame_Content_Size when the header carries it. */
  readonly contentSize: number | undefined;
  readonly hasChecksum: boolean;
}

/** Total header length implied by the Frame_Header_Descriptor byte (magic included). */
export function frameHeaderLength(fhd: number): number {
  const fcsFlag = fhd >> 6;
  const single = (fhd & 0x20) !== 0;
  const didSize = [0, 1, 2, 4][fhd & 3]!;
  const fcsSize = [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
  return 4 + 1 + (single ? 0 : 1) + didSize + fcsSize;
}

/** Parse a frame header; `buf` starts at the magic and holds at least frameHeaderLength(buf[4]) bytes. */
export function parseFrameHeader(buf: Buffer): FrameHeader {
  const fhd = buf[4]!;
  if ((fhd & 0x08) !== 0) throw corrupt('a zstd frame header has the reserved bit set');
  const headerSize = frameHeaderLength(fhd);
  const fcsFlag = fhd >> 6;
  const single = (fhd & 0x20) !== 0;
  const fcsSize = [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
  const at = headerSize - fcsSize;
  let contentSize: number | undefined;
  if (fcsSize === 1) contentSize = buf[at]!;
  else if (fcsSize === 2) contentSize = buf.readUInt16LE(at) + 256;
  else if (fcsSize === 4) contentSize = buf.readUInt32LE(at);
  else if (fcsSize === 8) {
    const v = buf.readBigUInt64LE(at);
    contentSize = v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
  }
  return { headerSize, contentSize, hasChecksum: (fhd & 0x04) !== 0 };
}

/** Stored length of a block's content, from its 3-byte header (24-bit little-endian). */
export function blockInfo(h: number): { readonly last: boolean; readonly stored: number } {
  const type = (h >> 1) & 3;
  const size = h >>> 3;
  if (type === 3) throw corrupt('a zstd block has the reserved type');
  return { last: (h & 1) === 1, stored: type === 1 ? 1 : size };
}

function corrupt(msg: string): FlashError {
  return new FlashError('E_FORMAT_CORRUPT', `the zstd image is corrupt: ${msg}`, { phase: 'decompress' });
}

export interface FramePiece {
  readonly data: Buffer;
  /** 'frame': bytes of a data frame (to decode); 'skip': bytes of a skippable frame. */
  readonly kind: 'frame' | 'skip';
  /** This piece ends its frame. */
  readonly end: boolean;
}

type State = 'magic' | 'skipsize' | 'skipdata' | 'header' | 'blockhdr' | 'blockdata' | 'checksum';

/** Incremental splitter: feed compressed bytes, get them back labelled by frame. */
export class ZstdFrameScanner {
  private state: State = 'magic';
  private collected: Buffer[] = [];
  private collectedLen = 0;
  private want = 4;
  private remaining = 0;
  private lastBlock = false;
  private checksum = false;
  private offset = 0;
  public frames = 0;

  /** True when the input so far ends exactly between frames. */
  public atBoundary(): boolean {
    return this.state === 'magic' && this.collectedLen === 0;
  }

  public feed(chunk: Buffer): FramePiece[] {
    const out: FramePiece[] = [];
    let runStart = 0;
    let pos = 0;
    const kind = (): 'frame' | 'skip' => (this.state === 'skipsize' || this.state === 'skipdata' ? 'skip' : 'frame');
    const flush = (end: boolean, k: 'frame' | 'skip'): void => {
      if (pos > runStart || end) out.push({ data: chunk.subarray(runStart, pos), kind: k, end });
      runStart = pos;
    };
    while (pos < chunk.length) {
      if (this.state === 'skipdata' || this.state === 'blockdata' || this.state === 'checksum') {
        const n = Math.min(this.remaining, chunk.length - pos);
        pos += n;
        this.remaining -= n;
        if (this.remaining > 0) break;
        const k = kind();
        if (this.state === 'skipdata') {
          flush(true, k);
          this.toMagic();
        } else if (this.state === 'blockdata' && !this.lastBlock) {
          this.collect('blockhdr', 3);
        } else if (this.state === 'blockdata' && this.checksum) {
          this.state = 'checksum';
          this.remaining = 4;
        } else {
          flush(true, k);
          this.frames++;
          this.toMagic();
        }
        continue;
      }
      // Collecting a fixed-size header that may straddle chunks.
      const n = Math.min(this.want - this.collectedLen, chunk.length - pos);
      this.collected.push(chunk.subarray(pos, pos + n));
      this.collectedLen += n;
      pos += n;
      if (this.collectedLen < this.want) break;
      const buf = Buffer.concat(this.collected, this.collectedLen);
      if (this.state === 'magic') {
        const magic = buf.readUInt32LE(0);
        const skip = isSkippable(magic);
        if (!skip && magic !== ZSTD_MAGIC) throw corrupt(`no zstd frame at byte ${this.offset + pos - 4}`);
        // The magic's own bytes were held back until its kind was known.
        out.push({ data: Buffer.from(buf), kind: skip ? 'skip' : 'frame', end: false });
        runStart = pos;
        this.state = skip ? 'skipsize' : 'header';
        this.want = skip ? 8 : 5;
        continue;
      }
      if (this.state === 'header' && this.want === 5) {
        this.want = frameHeaderLength(buf[4]!);
        if (this.collectedLen < this.want) continue;
      }
      if (this.state === 'skipsize') {
        this.remaining = buf.readUInt32LE(4);
        this.resetCollect();
        this.state = 'skipdata';
        if (this.remaining === 0) {
          flush(true, 'skip');
          this.toMagic();
        }
        continue;
      }
      if (this.state === 'header') {
        this.checksum = parseFrameHeader(buf).hasChecksum;
        this.collect('blockhdr', 3);
        continue;
      }
      // blockhdr
      const b = blockInfo(buf.readUIntLE(0, 3));
      this.lastBlock = b.last;
      this.resetCollect();
      this.state = 'blockdata';
      this.remaining = b.stored;
      if (b.stored === 0) {
        // An empty block: re-enter the data state handling with nothing to consume.
        if (!b.last) this.collect('blockhdr', 3);
        else if (this.checksum) {
          this.state = 'checksum';
          this.remaining = 4;
        } else {
          flush(true, 'frame');
          this.frames++;
          this.toMagic();
        }
      }
    }
    if (pos > runStart && this.state !== 'magic') out.push({ data: chunk.subarray(runStart, pos), kind: kind(), end: false });
    this.offset += chunk.length;
    return out;
  }

  private resetCollect(): void {
    this.collected = [];
    this.collectedLen = 0;
  }

  private collect(state: State, want: number): void {
    this.resetCollect();
    this.state = state;
    this.want = want;
  }

  private toMagic(): void {
    this.collect('magic', 4);
  }
}

/**
 * Small read-through window over a file, for walking headers without one syscall per block.
 * Reads are synchronous and small: a block header is 3 bytes and blocks are up to 128 KiB apart,
 * so a big window re-read the whole file (measured: 0.5 s of a 1 s write; docs/engine.md).
 */
class WindowReader {
  private readonly buf = Buffer.allocUnsafe(16 * 1024);
  private len = 0;
  private start = 0;
  public constructor(private readonly fh: FileHandle) {}
  public read(pos: number, n: number): Buffer | undefined {
    if (pos < this.start || pos + n > this.start + this.len) {
      const b = n > this.buf.length ? Buffer.allocUnsafe(n) : this.buf;
      const bytesRead = readSync(this.fh.fd, b, 0, b.length, pos);
      if (b !== this.buf) return bytesRead >= n ? b.subarray(0, n) : undefined;
      this.len = bytesRead;
      this.start = pos;
    }
    const at = pos - this.start;
    return at + n <= this.len ? this.buf.subarray(at, at + n) : undefined;
  }
}

/**
 * Decoded size of a zstd file: the sum of every frame's Frame_Content_Size, found by walking frame
 * and block headers. Undefined when a frame does not record its size, or the file does not parse
 * to its end (the decoder will then report the real problem).
 */
export function zstdDecodedSize(fh: FileHandle, fileSize: number): Promise<number | undefined> {
  return Promise.resolve(walkZstdSize(fh, fileSize));
}

function walkZstdSize(fh: FileHandle, fileSize: number): number | undefined {
  const r = new WindowReader(fh);
  let pos = 0;
  let total = 0;
  try {
    while (pos < fileSize) {
      const m = r.read(pos, 8);
      if (m === undefined) return undefined;
      const magic = m.readUInt32LE(0);
      if (isSkippable(magic)) {
        pos += 8 + m.readUInt32LE(4);
        continue;
      }
      if (magic !== ZSTD_MAGIC) return undefined;
      const hdrLen = frameHeaderLength(m[4]!);
      const hb = r.read(pos, hdrLen);
      if (hb === undefined) return undefined;
      const h = parseFrameHeader(hb);
      if (h.contentSize === undefined) return undefined;
      total += h.contentSize;
      pos += h.headerSize;
      for (;;) {
        const bh = r.read(pos, 3);
        if (bh === undefined) return undefined;
        const b = blockInfo(bh.readUIntLE(0, 3));
        pos += 3 + b.stored;
        if (b.last) break;
      }
      if (h.hasChecksum) pos += 4;
    }
  } catch {
    return undefined;
  }
  return pos === fileSize ? total : undefined;
}
