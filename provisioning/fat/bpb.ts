/**
 * Boot sector, BIOS parameter block and FSInfo of a FAT volume.
 *
 * Parses and checks the fields the Microsoft FAT specification ("FAT: General Overview of On-Disk
 * Format", v1.03) defines, and derives the volume geometry from them. The FAT type is decided by
 * the count of data clusters exactly as the spec says (< 4085 FAT12, < 65525 FAT16, else FAT32);
 * a BPB whose layout contradicts that type (e.g. a FAT32-style BPB with a FAT16 cluster count) is
 * refused rather than guessed at. Every failure is a FlashError E_FAT: a volume we do not fully
 * understand is never written to.
 */
import { FlashError } from '../../flasher/errors.js';

export type FatType = 'FAT12' | 'FAT16' | 'FAT32';

/** Cluster-count limits from the spec (section 3.5). */
export const FAT12_MAX_CLUSTERS = 4084;
export const FAT16_MAX_CLUSTERS = 65524;
/** The largest cluster count a FAT32 entry (28 bits, minus reserved values) can address. */
export const FAT32_MAX_CLUSTERS = 0x0ffffff5;

export const FSINFO_LEAD_SIG = 0x41615252;
export const FSINFO_STRUC_SIG = 0x61417272;
export const FSINFO_TRAIL_SIG = 0xaa550000;
export const FSINFO_UNKNOWN = 0xffffffff;

export interface FatGeometry {
  readonly type: FatType;
  readonly bytesPerSector: number;
  readonly sectorsPerCluster: number;
  readonly clusterSize: number;
  readonly reservedSectors: number;
  readonly numFats: number;
  readonly rootEntryCount: number;
  readonly totalSectors: number;
  readonly fatSizeSectors: number;
  /** Byte offset (from the volume start) of the first FAT copy. */
  readonly fatOffset: number;
  /** Bytes in one FAT copy. */
  readonly fatBytes: number;
  /** Byte offset of the fixed root directory region (FAT12/16); 0 bytes long on FAT32. */
  readonly rootDirOffset: number;
  readonly rootDirBytes: number;
  /** Byte offset of cluster 2. */
  readonly dataOffset: number;
  /** Number of data clusters; valid cluster numbers are 2 .. clusterCount + 1. */
  readonly clusterCount: number;
  /** FAT32: first cluster of the root directory (0 otherwise). */
  readonly rootCluster: number;
  /** FAT32: sector number of FSInfo, or 0 when there is none (or it is not valid). */
  readonly fsInfoSector: number;
  readonly bpbLabel: string;
  readonly mediaByte: number;
}

function fail(msg: string): FlashError {
  return new FlashError('E_FAT', `FAT boot sector: ${msg}`, { offset: 0 });
}

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** Decide the FAT type from the number of data clusters, per the spec. */
/** Bits per FAT entry. */
export function fatEntryBits(type: FatType): 12 | 16 | 32 {
  return type === 'FAT12' ? 12 : type === 'FAT16' ? 16 : 32;
}

export function fatTypeForClusters(clusterCount: number): FatType {
  if (clusterCount < 4085) return 'FAT12';
  if (clusterCount < 65525) return 'FAT16';
  return 'FAT32';
}

/**
 * Parse and check a boot sector (at least 512 bytes, read from the volume start).
 *
 * @param partitionBytes size of the byte range the volume lives in: the volume must fit.
 */
export function parseBootSector(bs: Buffer, partitionBytes: number): FatGeometry {
  if (bs.length < 512) throw fail('shorter than 512 bytes');
  const jmp = bs[0];
  if (jmp !== 0xeb && jmp !== 0xe9) throw fail(`no jump instruction (first byte 0x${(jmp ?? 0).toString(16)}): not a FAT volume`);
  if (bs.readUInt16LE(510) !== 0xaa55) throw fail('missing 0x55AA signature: not a FAT volume');

  const bytesPerSector = bs.readUInt16LE(11);
  if (![512, 1024, 2048, 4096].includes(bytesPerSector)) throw fail(`bytes per sector ${bytesPerSector} is not 512, 1024, 2048 or 4096`);
  const sectorsPerCluster = bs.readUInt8(13);
  if (!isPow2(sectorsPerCluster) || sectorsPerCluster > 128) throw fail(`sectors per cluster ${sectorsPerCluster} is not a power of 2 up to 128`);
  const clusterSize = bytesPerSector * sectorsPerCluster;
  if (clusterSize > 65536) throw fail(`cluster size ${clusterSize} is larger than 64 KiB`);
  const reservedSectors = bs.readUInt16LE(14);
  if (reservedSectors < 1) throw fail('reserved sector count is 0');
  const numFats = bs.readUInt8(16);
  if (numFats < 1 || numFats > 4) throw fail(`FAT count ${numFats} is not 1..4`);
  const rootEntryCount = bs.readUInt16LE(17);
  const totSec16 = bs.readUInt16LE(19);
  const mediaByte = bs.readUInt8(21);
  if (mediaByte !== 0xf0 && mediaByte < 0xf8) throw fail(`media byte 0x${mediaByte.toString(16)} is invalid`);
  const fatSz16 = bs.readUInt16LE(22);
  const totSec32 = bs.readUInt32LE(32);
  const fatSz32 = bs.readUInt32LE(36);

  const totalSectors = totSec16 !== 0 ? totSec16 : totSec32;
  if (totalSectors === 0) throw fail('total sector count is 0');
  if (totSec16 !== 0 && totSec32 !== 0 && totSec16 !== totSec32) throw fail('16- and 32-bit total sector counts disagree');
  if (totalSectors * bytesPerSector > partitionBytes) {
    throw fail(`volume (${totalSectors * bytesPerSector} bytes) is larger than its partition (${partitionBytes} bytes)`);
  }
  const fatSizeSectors = fatSz16 !== 0 ? fatSz16 : fatSz32;
  if (fatSizeSectors === 0) throw fail('FAT size is 0');

  const rootDirSectors = Math.ceil((rootEntryCount * 32) / bytesPerSector);
  const metaSectors = reservedSectors + numFats * fatSizeSectors + rootDirSectors;
  if (metaSectors >= totalSectors) throw fail('no room for data: reserved + FATs + root directory fill the volume');
  const clusterCount = Math.floor((totalSectors - metaSectors) / sectorsPerCluster);
  if (clusterCount < 1) throw fail('no data clusters');
  const type = fatTypeForClusters(clusterCount);

  // The BPB layout must agree with the type the cluster count gives.
  if (type === 'FAT32') {
    if (fatSz16 !== 0 || rootEntryCount !== 0 || totSec16 !== 0) {
      throw fail(`${clusterCount} clusters make FAT32, but the BPB has FAT12/16 fields set`);
    }
    if (clusterCount > FAT32_MAX_CLUSTERS) throw fail(`${clusterCount} clusters is more than FAT32 can address`);
    if (bs.readUInt16LE(42) !== 0) throw fail(`FAT32 version ${bs.readUInt16LE(42)} is not 0.0`);
    // ExtFlags bit 7: only one FAT is active (no mirroring). Rare; refused rather than guessed at.
    if ((bs.readUInt16LE(40) & 0x80) !== 0) throw fail('FAT mirroring is disabled (BPB_ExtFlags): not supported');
  } else {
    if (fatSz16 === 0) throw fail(`${clusterCount} clusters make ${type}, but the BPB is FAT32-style (16-bit FAT size is 0)`);
    if (rootEntryCount === 0) throw fail(`${type} with a root directory of 0 entries`);
  }
  const fatBytes = fatSizeSectors * bytesPerSector;
  if (Math.ceil(((clusterCount + 2) * fatEntryBits(type)) / 8) > fatBytes) {
    throw fail(`FAT of ${fatSizeSectors} sectors is too small for ${clusterCount} clusters`);
  }

  let rootCluster = 0;
  let fsInfoSector = 0;
  let labelOffset = 43;
  if (type === 'FAT32') {
    rootCluster = bs.readUInt32LE(44);
    if (rootCluster < 2 || rootCluster > clusterCount + 1) throw fail(`root cluster ${rootCluster} is out of range`);
    const fsi = bs.readUInt16LE(48);
    fsInfoSector = fsi >= 1 && fsi < reservedSectors ? fsi : 0;
    labelOffset = 71;
  }
  const bootSig = bs.readUInt8(labelOffset - 5);
  const bpbLabel = bootSig === 0x29 ? decodeLabel(bs.subarray(labelOffset, labelOffset + 11)) : '';

  return {
    type,
    bytesPerSector,
    sectorsPerCluster,
    clusterSize,
    reservedSectors,
    numFats,
    rootEntryCount,
    totalSectors,
    fatSizeSectors,
    fatOffset: reservedSectors * bytesPerSector,
    fatBytes,
    rootDirOffset: (reservedSectors + numFats * fatSizeSectors) * bytesPerSector,
    rootDirBytes: rootDirSectors * bytesPerSector,
    dataOffset: metaSectors * bytesPerSector,
    clusterCount,
    rootCluster,
    fsInfoSector,
    bpbLabel,
    mediaByte,
  };
}

/** A label field (11 bytes, space padded); "NO NAME" means no label. */
export function decodeLabel(raw: Uint8Array): string {
  const s = Buffer.from(raw).toString('latin1').replace(/[\s\0]+$/u, '');
  return s === 'NO NAME' ? '' : s;
}

export interface FsInfo {
  freeCount: number;
  nextFree: number;
}

/** Parse an FSInfo sector; undefined when its signatures are wrong (then it is left alone). */
export function parseFsInfo(sector: Buffer): FsInfo | undefined {
  if (sector.length < 512) return undefined;
  if (sector.readUInt32LE(0) !== FSINFO_LEAD_SIG) return undefined;
  if (sector.readUInt32LE(484) !== FSINFO_STRUC_SIG) return undefined;
  if (sector.readUInt32LE(508) !== FSINFO_TRAIL_SIG) return undefined;
  return { freeCount: sector.readUInt32LE(488), nextFree: sector.readUInt32LE(492) };
}

/** Write the two FSInfo counters into a copy of the sector. */
export function updateFsInfo(sector: Buffer, info: FsInfo): Buffer {
  const out = Buffer.from(sector);
  out.writeUInt32LE(info.freeCount >>> 0, 488);
  out.writeUInt32LE(info.nextFree >>> 0, 492);
  return out;
}
