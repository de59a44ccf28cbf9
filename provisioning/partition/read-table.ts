/**
 * Find and read whatever partition table a disk holds: GPT (signature at LBA 1, or a protective
 * 0xEE record in sector 0) or MBR. One entry point, so callers never guess the kind themselves.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';
import { hasGptSignature } from './gpt-format.js';
import { checkSectorSizeMismatch, loadGpt, type LoadedGpt } from './gpt-read.js';
import { parseMbrSector, PROTECTIVE_TYPE } from './mbr-format.js';
import { loadMbr, type LoadedMbr } from './mbr-read.js';
import type { PartitionTable } from './types.js';

const SECTOR_SIZES: ReadonlySet<number> = new Set([512, 1024, 2048, 4096]);

/** Read the table with the raw sectors the editors need. */
export async function loadPartitionTable(disk: DiskIO): Promise<LoadedGpt | LoadedMbr> {
  const ss = disk.sectorSize;
  if (!SECTOR_SIZES.has(ss)) {
    throw new FlashError('E_PARTITION_TABLE', `${disk.path}: unsupported logical sector size ${ss}`, { target: disk.path });
  }
  if (disk.size < 2 * ss) throw new FlashError('E_PARTITION_TABLE', `${disk.path}: too small to hold a partition table`, { target: disk.path });
  await checkSectorSizeMismatch(disk);
  const sector0 = await disk.read(0, ss);
  const lba1 = await disk.read(ss, 8);
  const mbr = parseMbrSector(sector0);
  const protective = mbr?.records.some((r) => r.type === PROTECTIVE_TYPE) ?? false;
  if (hasGptSignature(lba1) || protective) return loadGpt(disk);
  return loadMbr(disk);
}

/** Read and validate the partition table of `disk` (GPT or MBR). */
export async function readPartitionTable(disk: DiskIO): Promise<PartitionTable> {
  return (await loadPartitionTable(disk)).table;
}
