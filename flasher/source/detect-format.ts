/**
 * Format detection by magic bytes (never by file name): which decoder an image needs, and a clear
 * refusal for containers we recognise but do not take (7z, qcow2, lz4, ...), so a user who picks
 * `disk.qcow2` hears "qcow2 is not a raw image" instead of getting a garbage disk.
 */
import { FlashError } from '../errors.js';

export type ImageFormat = 'raw' | 'gzip' | 'xz' | 'zstd' | 'bzip2' | 'zip';

/** How many leading bytes detection wants to see (it copes with fewer at the end of a file). */
export const DETECT_BYTES = 4096;

const ZSTD_MAGIC = 0xfd2fb528; // bytes 28 b5 2f fd, little-endian u32
const LZ4_MAGIC = 0x184d2204; // bytes 04 22 4d 18

function startsWith(head: Buffer, sig: readonly number[], at = 0): boolean {
  if (head.length < at + sig.length) return false;
  return sig.every((b, i) => head[at + i] === b);
}

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

/** Skippable frames (magic 0x184D2A50..5F, u32 LE length) shared by the zstd and lz4 formats. */
function isSkippableMagic(v: number): boolean {
  return (v & 0xfffffff0) === 0x184d2a50;
}

/** Recognised but unsupported formats: [signature, offset, name, advice]. */
const REFUSED: readonly (readonly [number[], number, string])[] = [
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 0, '7-Zip archive'],
  [ascii('QFI\xfb'), 0, 'qcow2 virtual disk (convert it with `qemu-img convert -O raw`)'],
  [ascii('Rar!\x1a\x07'), 0, 'RAR archive'],
  [ascii('LZIP'), 0, 'lzip stream'],
  [[0x1f, 0x9d], 0, 'Unix compress (.Z) stream'],
  [ascii('vhdxfile'), 0, 'VHDX virtual disk'],
  [ascii('KDMV'), 0, 'VMDK virtual disk'],
  [ascii('conectix'), 0, 'VHD (dynamic) virtual disk'],
  [ascii('<<< Oracle VM VirtualBox Disk Image >>>'), 0, 'VirtualBox VDI virtual disk'],
  [ascii('MSCF'), 0, 'Microsoft cabinet archive'],
  [ascii('ustar'), 257, 'tar archive (extract the image from it first)'],
];

function refuse(what: string): never {
  throw new FlashError('E_FORMAT_UNKNOWN', `the image is a ${what}, which is not supported: use a raw image, optionally compressed with gzip, xz, zstd, bzip2 or zip`, { phase: 'open' });
}

/** Walk zstd/lz4 skippable frames at the start; returns the offset of the first real frame, or -1 when it lies beyond `head`. */
function skipSkippable(head: Buffer): number {
  let off = 0;
  while (head.length >= off + 8 && isSkippableMagic(head.readUInt32LE(off))) {
    off += 8 + head.readUInt32LE(off + 4);
  }
  return head.length >= off + 4 ? off : -1;
}

/**
 * Decide the format from the first bytes of the source (ideally DETECT_BYTES of them; fewer only
 * when the whole source is that short). Throws E_FORMAT_UNKNOWN for formats we recognise and refuse,
 * and for an empty source.
 */
export function detectFormat(head: Buffer): ImageFormat {
  if (head.length === 0) {
    throw new FlashError('E_FORMAT_UNKNOWN', 'the image is empty (0 bytes)', { phase: 'open' });
  }
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (head.length >= 4 && head.readUInt32LE(0) === ZSTD_MAGIC) return 'zstd';
  if (head.length >= 8 && isSkippableMagic(head.readUInt32LE(0))) {
    const first = skipSkippable(head);
    // Past our window: skippable frames are a zstd/lz4 container either way; zstd is the one we take.
    if (first < 0) return 'zstd';
    const magic = head.readUInt32LE(first);
    if (magic === ZSTD_MAGIC) return 'zstd';
    if (magic === LZ4_MAGIC) refuse('LZ4 frame stream');
    return 'zstd'; // let the zstd decoder report what it finds there
  }
  if (head.length >= 4 && head.readUInt32LE(0) === LZ4_MAGIC) refuse('LZ4 frame stream');
  if (startsWith(head, ascii('BZh')) && head.length >= 4 && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  // An empty zip or a spanned zip still starts with PK: refuse rather than flash the archive bytes.
  if (startsWith(head, [0x50, 0x4b, 0x05, 0x06])) refuse('empty zip archive');
  if (startsWith(head, [0x50, 0x4b, 0x07, 0x08])) refuse('split (multi-volume) zip archive');
  for (const [sig, at, what] of REFUSED) {
    if (startsWith(head, sig, at)) refuse(what);
  }
  return 'raw';
}
