/**
 * LVM2 metadata areas: the 512-byte mda_header and its circular text buffer (docs/disk-formats.md §2.4-2.5).
 *
 * Reading takes raw_locn slot 0 (the committed copy), joins the two parts of a copy that wraps
 * around the end of the area, and checks the text CRC. Writing places the next copy where LVM's
 * `_next_rlocn_offset` would, so our copies and LVM's own can follow each other in the same ring.
 */
import { FlashError } from '../../flasher/errors.js';
import type { DiskIO } from '../../flasher/disk-io.js';
import { lvmCrc } from './crc.js';
import { SECTOR } from './label.js';

export const MDA_HEADER_SIZE = 512;
export const FMTT_MAGIC = Buffer.from(' LVM2 x[5A%r0N*>', 'latin1');
export const FMTT_VERSION = 1;
export const RAW_LOCN_IGNORED = 0x1;

export interface RawLocn {
  /** Bytes from the start of the mda. */
  readonly offset: number;
  /** Bytes of text, trailing NUL included. */
  readonly size: number;
  readonly checksum: number;
  readonly flags: number;
}

export interface MdaHeader {
  /** Absolute byte offset of the header on the PV (relative to the PV start). */
  readonly start: number;
  /** Whole area size in bytes, header included. */
  readonly size: number;
  readonly slot0: RawLocn;
  readonly slot1: RawLocn;
}

export const EMPTY_LOCN: RawLocn = { offset: 0, size: 0, checksum: 0, flags: 0 };

function corrupt(msg: string): FlashError {
  return new FlashError('E_LVM_CORRUPT', msg, { phase: 'grow' });
}

function u64(buf: Buffer, off: number): number {
  const v = buf.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`mda_header: 64-bit value at byte ${off} is too large`);
  return Number(v);
}

function readLocn(buf: Buffer, off: number): RawLocn {
  return { offset: u64(buf, off), size: u64(buf, off + 8), checksum: buf.readUInt32LE(off + 16), flags: buf.readUInt32LE(off + 20) };
}

/** Decode and validate an mda_header found where the label says `expectedStart` is. */
export function decodeMdaHeader(buf: Buffer, expectedStart: number, expectedSize: number): MdaHeader {
  const where = `metadata area at PV byte ${expectedStart}`;
  const crc = buf.readUInt32LE(0);
  const calc = lvmCrc(buf.subarray(4, MDA_HEADER_SIZE));
  if (crc !== calc) throw corrupt(`${where}: header checksum mismatch (stored 0x${crc.toString(16)}, computed 0x${calc.toString(16)})`);
  if (!buf.subarray(4, 20).equals(FMTT_MAGIC)) throw corrupt(`${where}: bad magic`);
  const version = buf.readUInt32LE(20);
  if (version !== FMTT_VERSION) {
    throw new FlashError('E_LVM_UNSUPPORTED', `${where}: metadata area version ${version} is not supported (only ${FMTT_VERSION})`, { phase: 'grow' });
  }
  const start = u64(buf, 24);
  const size = u64(buf, 32);
  if (start !== expectedStart) throw corrupt(`${where}: header says it starts at ${start}`);
  if (size !== expectedSize) throw corrupt(`${where}: header size ${size} differs from the label's ${expectedSize}`);
  if (size < 2 * MDA_HEADER_SIZE) throw corrupt(`${where}: area of ${size} bytes is too small`);
  return { start, size, slot0: readLocn(buf, 40), slot1: readLocn(buf, 64) };
}

function writeLocn(buf: Buffer, off: number, l: RawLocn): void {
  buf.writeBigUInt64LE(BigInt(l.offset), off);
  buf.writeBigUInt64LE(BigInt(l.size), off + 8);
  buf.writeUInt32LE(l.checksum >>> 0, off + 16);
  buf.writeUInt32LE(l.flags >>> 0, off + 20);
}

export function encodeMdaHeader(h: MdaHeader): Buffer {
  const buf = Buffer.alloc(MDA_HEADER_SIZE);
  FMTT_MAGIC.copy(buf, 4);
  buf.writeUInt32LE(FMTT_VERSION, 20);
  buf.writeBigUInt64LE(BigInt(h.start), 24);
  buf.writeBigUInt64LE(BigInt(h.size), 32);
  writeLocn(buf, 40, h.slot0);
  writeLocn(buf, 64, h.slot1);
  buf.writeUInt32LE(lvmCrc(buf.subarray(4, MDA_HEADER_SIZE)), 0);
  return buf;
}

/** Largest text (NUL included) that fits an mda: two copies must fit the ring. */
export function maxTextSize(mdaSize: number): number {
  return Math.floor((mdaSize - MDA_HEADER_SIZE) / 2) - MDA_HEADER_SIZE;
}

/** Read the text a raw_locn points to (joining a wrapped copy) and check its CRC. */
export async function readLocnText(disk: DiskIO, pvStart: number, h: MdaHeader, l: RawLocn): Promise<Buffer> {
  const where = `metadata area at PV byte ${h.start}`;
  if (l.offset < MDA_HEADER_SIZE || l.offset >= h.size) throw corrupt(`${where}: text offset ${l.offset} is outside the area`);
  if (l.size === 0 || l.size > h.size - MDA_HEADER_SIZE) throw corrupt(`${where}: text size ${l.size} does not fit the area`);
  const wrap = l.offset + l.size > h.size ? l.offset + l.size - h.size : 0;
  const first = await disk.read(pvStart + h.start + l.offset, l.size - wrap);
  const text = wrap > 0 ? Buffer.concat([first, await disk.read(pvStart + h.start + MDA_HEADER_SIZE, wrap)]) : first;
  const calc = lvmCrc(text);
  if (calc !== l.checksum) {
    throw corrupt(`${where}: metadata text checksum mismatch (stored 0x${l.checksum.toString(16)}, computed 0x${calc.toString(16)})`);
  }
  return text;
}

/** `_next_rlocn_offset` with 512-byte alignment: where the next copy starts (relative to the mda). */
export function nextTextOffset(h: MdaHeader): number {
  const old = h.slot0;
  if (old.size === 0 || old.offset === 0 || (old.flags & RAW_LOCN_IGNORED) !== 0) return MDA_HEADER_SIZE;
  const wrapped = old.offset + old.size > h.size;
  const oldLast = wrapped ? old.offset + old.size - h.size + MDA_HEADER_SIZE - 1 : old.offset + old.size - 1;
  if (h.size - oldLast < SECTOR) return MDA_HEADER_SIZE;
  const next = Math.ceil((oldLast + 1) / SECTOR) * SECTOR;
  return next > h.size - SECTOR ? MDA_HEADER_SIZE : next;
}

/** The byte writes (absolute disk offsets) that put `text` into the ring at `offset`, zero-padded. */
export function planTextWrites(pvStart: number, h: MdaHeader, offset: number, text: Buffer): { at: number; data: Buffer }[] {
  const base = pvStart + h.start;
  const pad = (b: Buffer, limit: number): Buffer => {
    const len = Math.min(Math.ceil(b.length / SECTOR) * SECTOR, limit);
    return len > b.length ? Buffer.concat([b, Buffer.alloc(len - b.length)]) : b;
  };
  const wrap = offset + text.length > h.size ? offset + text.length - h.size : 0;
  if (wrap === 0) return [{ at: base + offset, data: pad(text, h.size - offset) }];
  return [
    { at: base + offset, data: text.subarray(0, text.length - wrap) },
    { at: base + MDA_HEADER_SIZE, data: pad(text.subarray(text.length - wrap), h.size - MDA_HEADER_SIZE) },
  ];
}

/** True when the new copy [offset, offset+size) overlaps the committed one in ring space. */
export function overlapsCommitted(h: MdaHeader, offset: number, size: number): boolean {
  const old = h.slot0;
  if (old.size === 0 || (old.flags & RAW_LOCN_IGNORED) !== 0) return false;
  const ranges = (off: number, len: number): [number, number][] => {
    const end = off + len;
    return end > h.size ? [[off, h.size], [MDA_HEADER_SIZE, MDA_HEADER_SIZE + end - h.size]] : [[off, end]];
  };
  for (const [a0, a1] of ranges(old.offset, old.size)) {
    for (const [b0, b1] of ranges(offset, size)) if (a0 < b1 && b0 < a1) return true;
  }
  return false;
}
