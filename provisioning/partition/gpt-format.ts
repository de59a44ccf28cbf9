/**
 * GPT on-disk structures: header (docs/disk-formats.md §3.2) and partition entries (§3.3).
 *
 * Pure functions over buffers: decode, check, encode. Nothing here touches a disk, so the reader,
 * the grower and the GUID randomizer share one definition of every field offset.
 */
import { gptCrc32 } from './crc32.js';
import { guidFromBytes, guidToBytes, ZERO_GUID } from './guid.js';
import type { GptHeaderFields } from './types.js';

export const GPT_SIGNATURE = 'EFI PART';
export const GPT_REVISION_1_0 = 0x00010000;
export const GPT_HEADER_SIZE = 92;
/** Refuse entry arrays above this (resource limit; real tables are 16 KiB). */
export const MAX_ENTRY_ARRAY_BYTES = 4 * 1024 * 1024;

/** Field offsets in the header. */
const H = {
  signature: 0,
  revision: 8,
  headerSize: 12,
  headerCrc: 16,
  myLba: 24,
  alternateLba: 32,
  firstUsable: 40,
  lastUsable: 48,
  diskGuid: 56,
  entryLba: 72,
  entryCount: 80,
  entrySize: 84,
  entryArrayCrc: 88,
} as const;

/** Field offsets in a partition entry. */
const P = { type: 0, unique: 16, first: 32, last: 40, attrs: 48, name: 56, nameBytes: 72 } as const;

export function hasGptSignature(sector: Uint8Array): boolean {
  return sector.length >= 8 && Buffer.from(sector.buffer, sector.byteOffset, 8).toString('latin1') === GPT_SIGNATURE;
}

/** u64 that must fit a JS number exactly; returns undefined when it does not. */
function u64(buf: Buffer, off: number): number | undefined {
  const v = buf.readBigUInt64LE(off);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(v);
}

/** Header CRC as stored, and as computed (over headerSize bytes with the CRC field zeroed). */
function headerCrcs(sector: Buffer, headerSize: number): { stored: number; computed: number } {
  const copy = Buffer.from(sector.subarray(0, headerSize));
  const stored = copy.readUInt32LE(H.headerCrc);
  copy.writeUInt32LE(0, H.headerCrc);
  return { stored, computed: gptCrc32(copy) };
}

/**
 * Decode and check a header sector read at `lba` of a disk with `totalLbas` sectors.
 * Returns the fields, or the first problem found (kernel `is_gpt_valid` rules, docs/disk-formats.md §3.6).
 */
export function decodeGptHeader(
  sector: Buffer,
  lba: number,
  totalLbas: number,
): { ok: true; header: GptHeaderFields } | { ok: false; problem: string; header?: GptHeaderFields } {
  const ss = sector.length;
  if (!hasGptSignature(sector)) return { ok: false, problem: `no "EFI PART" signature at LBA ${lba}` };
  const headerSize = sector.readUInt32LE(H.headerSize);
  if (headerSize < GPT_HEADER_SIZE || headerSize > ss) return { ok: false, problem: `header size ${headerSize} out of range` };
  const fields = [H.myLba, H.alternateLba, H.firstUsable, H.lastUsable, H.entryLba].map((o) => u64(sector, o));
  const [myLba, alternateLba, firstUsableLba, lastUsableLba, entryLba] = fields;
  if (myLba === undefined || alternateLba === undefined || firstUsableLba === undefined || lastUsableLba === undefined || entryLba === undefined) {
    return { ok: false, problem: 'an LBA field is beyond 2^53' };
  }
  const header: GptHeaderFields = {
    revision: sector.readUInt32LE(H.revision),
    headerSize,
    myLba,
    alternateLba,
    firstUsableLba,
    lastUsableLba,
    diskGuid: guidFromBytes(sector, H.diskGuid),
    entryLba,
    entryCount: sector.readUInt32LE(H.entryCount),
    entrySize: sector.readUInt32LE(H.entrySize),
    entryArrayCrc: sector.readUInt32LE(H.entryArrayCrc),
  };
  const crc = headerCrcs(sector, headerSize);
  if (crc.stored !== crc.computed) {
    return { ok: false, header, problem: `header CRC mismatch (stored 0x${hex32(crc.stored)}, computed 0x${hex32(crc.computed)})` };
  }
  const lastLba = totalLbas - 1;
  const bad = (problem: string): { ok: false; problem: string; header: GptHeaderFields } => ({ ok: false, problem, header });
  if (myLba !== lba) return bad(`header at LBA ${lba} says it is at LBA ${myLba}`);
  if (header.entrySize < 128 || header.entrySize % 128 !== 0 || (header.entrySize & (header.entrySize - 1)) !== 0) {
    return bad(`partition entry size ${header.entrySize} is not 128 x 2^k`);
  }
  if (header.entryCount === 0 || header.entryCount * header.entrySize > MAX_ENTRY_ARRAY_BYTES) {
    return bad(`partition entry count ${header.entryCount} out of range`);
  }
  if (firstUsableLba > lastUsableLba) return bad(`first usable LBA ${firstUsableLba} is after last usable LBA ${lastUsableLba}`);
  if (lastUsableLba > lastLba || alternateLba > lastLba) {
    return bad(
      `the table describes a disk of at least ${Math.max(lastUsableLba, alternateLba) + 1} sectors but the disk has ${totalLbas} ` +
        '(truncated image, or the target is smaller than the image)',
    );
  }
  const arrayLbas = entryArrayLbas(header, ss);
  const arrayEnd = entryLba + arrayLbas - 1;
  if (entryLba === 0 || arrayEnd > lastLba) return bad(`partition entry array at LBA ${entryLba} lies outside the disk`);
  const overlapsUsable = entryLba <= lastUsableLba && arrayEnd >= firstUsableLba;
  if (overlapsUsable || (myLba >= firstUsableLba && myLba <= lastUsableLba) || (myLba >= entryLba && myLba <= arrayEnd)) {
    return bad('header or entry array overlaps the usable area');
  }
  return { ok: true, header };
}

/** Sectors taken by the entry array. */
export function entryArrayLbas(h: Pick<GptHeaderFields, 'entryCount' | 'entrySize'>, sectorSize: number): number {
  return Math.ceil((h.entryCount * h.entrySize) / sectorSize);
}

/** Encode a header into a fresh, zero-padded sector, with its CRC. */
export function encodeGptHeader(h: GptHeaderFields, sectorSize: number): Buffer {
  const s = Buffer.alloc(sectorSize);
  s.write(GPT_SIGNATURE, H.signature, 'latin1');
  s.writeUInt32LE(h.revision, H.revision);
  s.writeUInt32LE(h.headerSize, H.headerSize);
  s.writeBigUInt64LE(BigInt(h.myLba), H.myLba);
  s.writeBigUInt64LE(BigInt(h.alternateLba), H.alternateLba);
  s.writeBigUInt64LE(BigInt(h.firstUsableLba), H.firstUsable);
  s.writeBigUInt64LE(BigInt(h.lastUsableLba), H.lastUsable);
  guidToBytes(h.diskGuid).copy(s, H.diskGuid);
  s.writeBigUInt64LE(BigInt(h.entryLba), H.entryLba);
  s.writeUInt32LE(h.entryCount, H.entryCount);
  s.writeUInt32LE(h.entrySize, H.entrySize);
  s.writeUInt32LE(h.entryArrayCrc >>> 0, H.entryArrayCrc);
  s.writeUInt32LE(gptCrc32(s.subarray(0, h.headerSize)), H.headerCrc);
  return s;
}

export interface GptEntry {
  /** 1-based entry number. */
  readonly index: number;
  readonly typeGuid: string;
  readonly uniqueGuid: string;
  readonly firstLba: number;
  readonly lastLba: number;
  readonly attributes: bigint;
  readonly name: string;
}

/** Decode the used entries of an entry array (entries whose type GUID is not all zero). */
export function decodeGptEntries(array: Buffer, count: number, size: number): { entries: GptEntry[]; problems: string[] } {
  const entries: GptEntry[] = [];
  const problems: string[] = [];
  for (let i = 0; i < count; i++) {
    const e = array.subarray(i * size, i * size + size);
    const typeGuid = guidFromBytes(e, P.type);
    if (typeGuid === ZERO_GUID) continue;
    const firstLba = u64(e, P.first);
    const lastLba = u64(e, P.last);
    if (firstLba === undefined || lastLba === undefined) {
      problems.push(`partition ${i + 1}: LBA beyond 2^53`);
      continue;
    }
    entries.push({
      index: i + 1,
      typeGuid,
      uniqueGuid: guidFromBytes(e, P.unique),
      firstLba,
      lastLba,
      attributes: e.readBigUInt64LE(P.attrs),
      name: decodeName(e.subarray(P.name, P.name + P.nameBytes)),
    });
  }
  return { entries, problems };
}

/** Set the EndingLBA of entry `index` (1-based) in an entry array, in place. */
export function setEntryLastLba(array: Buffer, entrySize: number, index: number, lastLba: number): void {
  array.writeBigUInt64LE(BigInt(lastLba), (index - 1) * entrySize + P.last);
}

function decodeName(raw: Buffer): string {
  let end = 0;
  while (end + 1 < raw.length && (raw[end] !== 0 || raw[end + 1] !== 0)) end += 2;
  return raw.subarray(0, end).toString('utf16le');
}

export function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
