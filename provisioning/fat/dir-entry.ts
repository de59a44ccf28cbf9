/**
 * The 32-byte short directory entry and FAT timestamps.
 *
 * Layout (spec section 6): name[11], attributes, NT case flags, creation time tenths, creation
 * time, creation date, access date, first cluster high word, write time, write date, first
 * cluster low word, file size. FAT times are local wall-clock time with 2-second resolution
 * (creation time adds tenths of 10 ms); dates count years from 1980 (up to 2107).
 */

export const ATTR_READ_ONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_VOLUME_ID = 0x08;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;

export const ENTRY_SIZE = 32;
export const ENTRY_FREE = 0xe5;
export const ENTRY_END = 0x00;

export interface FatStamp {
  readonly date: number;
  readonly time: number;
  /** Hundredths beyond the 2-second time, 0..199 (creation time only). */
  readonly tenths: number;
}

/** A Date as FAT date/time fields (local time), clamped to the range FAT can hold. */
export function toFatStamp(d: Date): FatStamp {
  let year = d.getFullYear();
  let month = d.getMonth() + 1;
  let day = d.getDate();
  let h = d.getHours();
  let m = d.getMinutes();
  let s = d.getSeconds();
  let ms = d.getMilliseconds();
  if (!Number.isFinite(year) || year < 1980) [year, month, day, h, m, s, ms] = [1980, 1, 1, 0, 0, 0, 0];
  if (year > 2107) [year, month, day, h, m, s, ms] = [2107, 12, 31, 23, 59, 59, 990];
  return {
    date: ((year - 1980) << 9) | (month << 5) | day,
    time: (h << 11) | (m << 5) | (s >> 1),
    tenths: (s & 1) * 100 + Math.floor(ms / 10),
  };
}

/** FAT date/time fields as a local Date (an invalid date gives 1980-01-01). */
export function fromFatStamp(date: number, time: number, tenths = 0): Date {
  const year = 1980 + (date >> 9);
  const month = (date >> 5) & 0x0f;
  const day = date & 0x1f;
  if (month < 1 || month > 12 || day < 1) return new Date(1980, 0, 1);
  const s = (time & 0x1f) * 2 + Math.floor(tenths / 100);
  return new Date(year, month - 1, day, time >> 11, (time >> 5) & 0x3f, s, (tenths % 100) * 10);
}

export interface ShortEntryFields {
  readonly name: Uint8Array;
  readonly attr: number;
  readonly ntFlags?: number;
  readonly cluster: number;
  readonly size: number;
  readonly created: FatStamp;
  readonly modified: FatStamp;
}

/** Encode a short directory entry. */
export function encodeShortEntry(f: ShortEntryFields): Buffer {
  const e = Buffer.alloc(ENTRY_SIZE);
  Buffer.from(f.name).copy(e, 0, 0, 11);
  e[11] = f.attr;
  e[12] = f.ntFlags ?? 0;
  e[13] = f.created.tenths;
  e.writeUInt16LE(f.created.time, 14);
  e.writeUInt16LE(f.created.date, 16);
  e.writeUInt16LE(f.modified.date, 18);
  e.writeUInt16LE((f.cluster >>> 16) & 0xffff, 20);
  e.writeUInt16LE(f.modified.time, 22);
  e.writeUInt16LE(f.modified.date, 24);
  e.writeUInt16LE(f.cluster & 0xffff, 26);
  e.writeUInt32LE(f.size >>> 0, 28);
  return e;
}

/** First cluster of a short entry (the high word only counts on FAT32). */
export function entryCluster(e: Buffer, fat32: boolean): number {
  const lo = e.readUInt16LE(26);
  return fat32 ? ((e.readUInt16LE(20) << 16) >>> 0) + lo : lo;
}

/** Set cluster, size and write time of an existing entry (in place). */
export function updateShortEntry(e: Buffer, cluster: number, size: number, modified: FatStamp): void {
  e.writeUInt16LE((cluster >>> 16) & 0xffff, 20);
  e.writeUInt16LE(cluster & 0xffff, 26);
  e.writeUInt32LE(size >>> 0, 28);
  e.writeUInt16LE(modified.time, 22);
  e.writeUInt16LE(modified.date, 24);
  e.writeUInt16LE(modified.date, 18);
  e[11] = (e[11] ?? 0) | ATTR_ARCHIVE;
}
