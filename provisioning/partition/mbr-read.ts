/**
 * Read and validate an MBR partition table: four primary records, and the EBR chain of an
 * extended partition (0x05/0x0F/0x85) with its logical partitions (docs/disk-formats.md §4.2).
 *
 * Every record is checked against the disk size, primaries must not overlap, each logical
 * partition must lie inside the container, and the chain must not loop or leave the container.
 * Logical partitions are numbered 5, 6, ... in chain order, as Linux and sfdisk number them.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';
import { EXTENDED_TYPES, parseMbrSector, recordUsed, type MbrRecord } from './mbr-format.js';
import { mbrRole } from './roles.js';
import type { MbrPartition, MbrTable } from './types.js';

/** Resource limit on the EBR chain (Linux reads at most DISK_MAX_PARTS - 4 logical partitions). */
export const MAX_LOGICAL_PARTITIONS = 252;

export interface LoadedMbr {
  readonly table: MbrTable;
  /** Sector 0 and every EBR as read, by LBA (sectorSize bytes each). */
  readonly sectors: ReadonlyMap<number, Buffer>;
  readonly totalLbas: number;
}

type Placement = MbrPartition['placement'];

function toPartition(r: MbrRecord, index: number, firstLba: number, placement: Placement, recordLba: number, ss: number): MbrPartition {
  const base = { index, typeByte: r.type, placement };
  return {
    ...base,
    role: mbrRole(base),
    type: `0x${r.type.toString(16).padStart(2, '0')}`,
    bootable: r.boot === 0x80,
    recordLba,
    recordSlot: r.slot,
    firstLba,
    lastLba: firstLba + r.sizeLba - 1,
    start: firstLba * ss,
    size: r.sizeLba * ss,
  };
}

function overlapProblems(parts: readonly MbrPartition[]): string[] {
  const sorted = [...parts].sort((a, b) => a.firstLba - b.firstLba);
  const out: string[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (a !== undefined && b !== undefined && b.firstLba <= a.lastLba) out.push(`partitions ${a.index} and ${b.index} overlap`);
  }
  return out;
}

/** Read the MBR table of `disk` (sector 0 must carry 55 AA; the caller has ruled out GPT). */
export async function loadMbr(disk: DiskIO): Promise<LoadedMbr> {
  const ss = disk.sectorSize;
  const totalLbas = Math.floor(disk.size / ss);
  const fail = (msg: string, offset?: number): FlashError =>
    new FlashError('E_PARTITION_TABLE', `${disk.path}: ${msg}`, { target: disk.path, offset });
  const sector0 = await disk.read(0, ss);
  const mbr = parseMbrSector(sector0);
  if (mbr === undefined) throw fail('no partition table (no GPT header and no 55 AA MBR signature)', 510);
  const sectors = new Map<number, Buffer>([[0, sector0]]);
  const warnings: string[] = [];
  const primaries: MbrPartition[] = [];
  for (const r of mbr.records) {
    if (r.boot !== 0 && r.boot !== 0x80) throw fail(`sector 0 is not an MBR (record ${r.slot + 1} has boot flag 0x${r.boot.toString(16)})`);
    if (!recordUsed(r)) continue;
    const placement: Placement = EXTENDED_TYPES.has(r.type) ? 'extended' : 'primary';
    if (r.startLba === 0) throw fail(`partition ${r.slot + 1} starts at LBA 0`);
    if (r.startLba + r.sizeLba > totalLbas) {
      throw fail(`partition ${r.slot + 1} (LBA ${r.startLba}+${r.sizeLba}) runs past the end of the disk (${totalLbas} sectors of ${ss} bytes)`);
    }
    primaries.push(toPartition(r, r.slot + 1, r.startLba, placement, 0, ss));
  }
  const extendeds = primaries.filter((p) => p.placement === 'extended');
  if (extendeds.length > 1) throw fail('more than one extended partition');
  const problems = overlapProblems(primaries);
  if (problems.length > 0) throw fail(problems.join('; '));

  const logicals: MbrPartition[] = [];
  const ext = extendeds[0];
  if (ext !== undefined) {
    const visited = new Set<number>();
    let ebrLba: number | undefined = ext.firstLba;
    while (ebrLba !== undefined) {
      if (visited.has(ebrLba)) throw fail(`the EBR chain loops back to LBA ${ebrLba}`, ebrLba * ss);
      if (ebrLba < ext.firstLba || ebrLba > ext.lastLba) throw fail(`an EBR link points outside the extended partition (LBA ${ebrLba})`, ebrLba * ss);
      if (logicals.length >= MAX_LOGICAL_PARTITIONS) throw fail(`more than ${MAX_LOGICAL_PARTITIONS} logical partitions`);
      visited.add(ebrLba);
      const sector = await disk.read(ebrLba * ss, ss);
      const ebr = parseMbrSector(sector);
      if (ebr === undefined) throw fail(`the EBR at LBA ${ebrLba} has no 55 AA signature`, ebrLba * ss);
      sectors.set(ebrLba, sector);
      const [data, link, r2, r3] = ebr.records;
      if (data === undefined || link === undefined) break;
      if ((r2 !== undefined && recordUsed(r2)) || (r3 !== undefined && recordUsed(r3))) warnings.push(`the EBR at LBA ${ebrLba} uses records 3-4 (ignored)`);
      if (recordUsed(data) && !EXTENDED_TYPES.has(data.type)) {
        const first = ebrLba + data.startLba;
        const index = 5 + logicals.length;
        if (data.startLba === 0 || first + data.sizeLba - 1 > ext.lastLba) {
          throw fail(`logical partition ${index} (LBA ${first}+${data.sizeLba}) lies outside the extended partition`, ebrLba * ss);
        }
        logicals.push(toPartition(data, index, first, 'logical', ebrLba, ss));
      }
      ebrLba = recordUsed(link) && EXTENDED_TYPES.has(link.type) ? ext.firstLba + link.startLba : undefined;
    }
    const lp = overlapProblems(logicals);
    if (lp.length > 0) throw fail(lp.join('; '));
  }
  const partitions = [...primaries, ...logicals].sort((a, b) => a.index - b.index);
  const table: MbrTable = {
    kind: 'mbr',
    sectorSize: ss,
    diskSize: disk.size,
    diskSignature: mbr.signature.toString(16).padStart(8, '0'),
    warnings,
    partitions,
  };
  return { table, sectors, totalLbas };
}
