/**
 * MBR (DOS) sector layout: four 16-byte partition records at byte 446 and 55 AA at 510
 * (docs/disk-formats.md §4.1). The same layout is used by sector 0, the protective MBR of a GPT disk,
 * and every EBR of an extended-partition chain.
 *
 * CHS values follow libfdisk (`dos_partition_sync_chs`, 255 heads x 63 sectors) so that what we
 * write is byte-identical to what sfdisk writes.
 */

export const MBR_RECORDS_OFFSET = 446;
export const MBR_RECORD_SIZE = 16;
export const PROTECTIVE_TYPE = 0xee;
export const EXTENDED_TYPES: ReadonlySet<number> = new Set([0x05, 0x0f, 0x85]);

export interface MbrRecord {
  /** 0-3 */
  readonly slot: number;
  readonly boot: number;
  readonly type: number;
  readonly startLba: number;
  readonly sizeLba: number;
}

export interface MbrSector {
  readonly signature: number;
  readonly records: readonly MbrRecord[];
}

export function hasBootSignature(sector: Uint8Array): boolean {
  return sector.length >= 512 && sector[510] === 0x55 && sector[511] === 0xaa;
}

/** Decode sector 0 / an EBR; undefined when the 55 AA signature is missing. */
export function parseMbrSector(sector: Buffer): MbrSector | undefined {
  if (!hasBootSignature(sector)) return undefined;
  const records: MbrRecord[] = [];
  for (let slot = 0; slot < 4; slot++) {
    const o = MBR_RECORDS_OFFSET + slot * MBR_RECORD_SIZE;
    records.push({
      slot,
      boot: sector.readUInt8(o),
      type: sector.readUInt8(o + 4),
      startLba: sector.readUInt32LE(o + 8),
      sizeLba: sector.readUInt32LE(o + 12),
    });
  }
  return { signature: sector.readUInt32LE(440), records };
}

/** A record is in use when it has a type and a size (kernel and libfdisk agree). */
export function recordUsed(r: MbrRecord): boolean {
  return r.type !== 0 && r.sizeLba !== 0;
}

/** libfdisk CHS bytes [H, S|C-high, C-low] for an absolute LBA (255 x 63 geometry, capped at cylinder 1023). */
export function chsBytes(lba: number): [number, number, number] {
  const heads = 255;
  const sectors = 63;
  let x = lba;
  if (Math.floor(x / (heads * sectors)) > 1023) x = heads * sectors * 1024 - 1;
  const c = Math.floor(x / (heads * sectors));
  const h = Math.floor(x / sectors) % heads;
  const s = (x % sectors) + 1;
  return [h, (s & 0x3f) | ((c >> 2) & 0xc0), c & 0xff];
}

/** Set a record's size and its end CHS (as libfdisk does when it resizes), in place. */
export function setRecordSize(sector: Buffer, slot: number, sizeLba: number, endChs: readonly [number, number, number]): void {
  const o = MBR_RECORDS_OFFSET + slot * MBR_RECORD_SIZE;
  sector.writeUInt8(endChs[0], o + 5);
  sector.writeUInt8(endChs[1], o + 6);
  sector.writeUInt8(endChs[2], o + 7);
  sector.writeUInt32LE(sizeLba, o + 12);
}
