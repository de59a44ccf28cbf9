/**
 * The LVM2 PV label: label_header + pv_header + pv_header_extension (docs/disk-formats.md §2.2-2.3).
 *
 * The label sits in one of the first four 512-byte sectors of the PV and says where the data area
 * and the metadata areas are. We decode it strictly (every list must end inside the sector, CRC
 * over bytes 20..511) and re-encode it from the decoded fields, which reproduces LVM's bytes.
 */
import { FlashError } from '../../flasher/errors.js';
import { lvmCrc } from './crc.js';

export const SECTOR = 512;
export const LABEL_SCAN_SECTORS = 4;
const LABEL_ID = 'LABELONE';
const LABEL_TYPE = 'LVM2 001';
const PV_HEADER_OFFSET = 32;
const ID_LEN = 32;
export const PV_HEADER_EXTENSION_VSN = 2;
export const PV_EXT_USED = 0x1;

export interface DiskLocn {
  /** Bytes from the start of the PV. */
  readonly offset: number;
  /** Bytes (0 for a data area means "to the end of the device"). */
  readonly size: number;
}

export interface PvLabel {
  /** Sector (0..3) of the PV the label was found in. */
  readonly sector: number;
  /** 32 characters, no dashes. */
  readonly uuid: string;
  /** pv_header device_size_xl, bytes. */
  readonly deviceSize: number;
  readonly dataAreas: readonly DiskLocn[];
  readonly metadataAreas: readonly DiskLocn[];
  /** undefined: no extension present (old PVs). */
  readonly extVersion: number | undefined;
  readonly extFlags: number;
  readonly bootloaderAreas: readonly DiskLocn[];
}

function corrupt(msg: string): FlashError {
  return new FlashError('E_LVM_CORRUPT', `LVM label: ${msg}`, { phase: 'grow' });
}

function u64(buf: Buffer, off: number): number {
  const v = buf.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`64-bit value at label byte ${off} is too large`);
  return Number(v);
}

/** Read a `disk_locn` list ending with offset 0; returns the entries and the offset after the terminator. */
function readList(buf: Buffer, off: number): { list: DiskLocn[]; next: number } {
  const list: DiskLocn[] = [];
  for (;;) {
    if (off + 16 > SECTOR) throw corrupt('area list runs past the end of the label sector');
    const offset = u64(buf, off);
    const size = u64(buf, off + 8);
    off += 16;
    if (offset === 0) return { list, next: off };
    list.push({ offset, size });
  }
}

/**
 * Decode a candidate label sector. Returns undefined when the sector is not an LVM label at all
 * (no LABELONE, or a label for another sector); throws when it claims to be one but is broken.
 */
export function decodeLabel(buf: Buffer, sector: number): PvLabel | undefined {
  if (buf.length < SECTOR) throw corrupt('short label sector');
  if (buf.toString('latin1', 0, 8) !== LABEL_ID) return undefined;
  if (buf.readBigUInt64LE(8) !== BigInt(sector)) return undefined;
  const crc = buf.readUInt32LE(16);
  const calc = lvmCrc(buf.subarray(20, SECTOR));
  if (crc !== calc) throw corrupt(`checksum mismatch in sector ${sector} (stored 0x${crc.toString(16)}, computed 0x${calc.toString(16)})`);
  const type = buf.toString('latin1', 24, 32);
  if (type !== LABEL_TYPE) {
    throw new FlashError('E_LVM_UNSUPPORTED', `LVM label type "${type}" is not supported (only "${LABEL_TYPE}")`, { phase: 'grow' });
  }
  const offsetXl = buf.readUInt32LE(20);
  if (offsetXl !== PV_HEADER_OFFSET) {
    if (offsetXl > SECTOR - 40) throw corrupt(`pv_header offset ${offsetXl} is out of range`);
    throw new FlashError('E_LVM_UNSUPPORTED', `pv_header at offset ${offsetXl} (LVM always writes 32)`, { phase: 'grow' });
  }
  const h = PV_HEADER_OFFSET;
  const uuid = buf.toString('latin1', h, h + ID_LEN);
  if (!/^[0-9a-zA-Z!#]{32}$/.test(uuid)) throw corrupt('PV uuid contains invalid characters');
  const deviceSize = u64(buf, h + 32);
  const da = readList(buf, h + 40);
  const mda = readList(buf, da.next);
  let extVersion: number | undefined;
  let extFlags = 0;
  let bootloaderAreas: DiskLocn[] = [];
  if (mda.next + 8 <= SECTOR) {
    const v = buf.readUInt32LE(mda.next);
    if (v !== 0) {
      extVersion = v;
      extFlags = buf.readUInt32LE(mda.next + 4);
      bootloaderAreas = readList(buf, mda.next + 8).list;
    }
  }
  return { sector, uuid, deviceSize, dataAreas: da.list, metadataAreas: mda.list, extVersion, extFlags, bootloaderAreas };
}

function writeList(buf: Buffer, off: number, list: readonly DiskLocn[]): number {
  for (const l of [...list, { offset: 0, size: 0 }]) {
    if (off + 16 > SECTOR) throw new FlashError('E_LVM_UNSUPPORTED', 'LVM label: too many areas to fit the label sector', { phase: 'grow' });
    buf.writeBigUInt64LE(BigInt(l.offset), off);
    buf.writeBigUInt64LE(BigInt(l.size), off + 8);
    off += 16;
  }
  return off;
}

/** Encode a label sector exactly as LVM's `_text_write` does (zeroed sector, CRC computed last). */
export function encodeLabel(label: PvLabel): Buffer {
  const buf = Buffer.alloc(SECTOR);
  buf.write(LABEL_ID, 0, 'latin1');
  buf.writeBigUInt64LE(BigInt(label.sector), 8);
  buf.writeUInt32LE(PV_HEADER_OFFSET, 20);
  buf.write(LABEL_TYPE, 24, 'latin1');
  const h = PV_HEADER_OFFSET;
  buf.write(label.uuid, h, 'latin1');
  buf.writeBigUInt64LE(BigInt(label.deviceSize), h + 32);
  let off = writeList(buf, h + 40, label.dataAreas);
  off = writeList(buf, off, label.metadataAreas);
  if (label.extVersion !== undefined) {
    if (off + 8 > SECTOR) throw new FlashError('E_LVM_UNSUPPORTED', 'LVM label: no room for the pv_header extension', { phase: 'grow' });
    buf.writeUInt32LE(label.extVersion, off);
    buf.writeUInt32LE(label.extFlags >>> 0, off + 4);
    writeList(buf, off + 8, label.bootloaderAreas);
  }
  buf.writeUInt32LE(lvmCrc(buf.subarray(20, SECTOR)), 16);
  return buf;
}

/** Find the label in sectors 0..3 of the PV (first valid one wins, as in LVM). */
export function findLabel(firstSectors: Buffer): PvLabel {
  for (let s = 0; s < LABEL_SCAN_SECTORS; s++) {
    const sec = firstSectors.subarray(s * SECTOR, (s + 1) * SECTOR);
    if (sec.length < SECTOR) break;
    const l = decodeLabel(sec, s);
    if (l !== undefined) return l;
  }
  throw new FlashError('E_LVM_CORRUPT', 'no LVM2 label (LABELONE) in the first 4 sectors of the PV', { phase: 'grow' });
}

/** "abcdef..." (32) -> "abcdef-ghij-…-uvwxyz" (6-4-4-4-4-4-6), as id_write_format. */
export function formatUuid(raw: string): string {
  const groups = [6, 4, 4, 4, 4, 4, 6];
  const parts: string[] = [];
  let p = 0;
  for (const g of groups) {
    parts.push(raw.slice(p, p + g));
    p += g;
  }
  return parts.join('-');
}
