/**
 * Read and validate a GPT: protective MBR, primary header at LBA 1, backup header at the
 * primary's AlternateLBA, both header CRCs and both entry-array CRCs (docs/disk-formats.md §3).
 *
 * The result says which copy is healthy. When the primary is bad we still look for the backup,
 * first where the damaged primary says it is (if that field is readable), then where the
 * protective MBR says the image ended (a flashed image keeps its PMBR), then at the last LBA of
 * the disk (flagged as uncertain when the PMBR disagrees: it may be an earlier image's backup). A GPT written for another logical sector size is refused, never converted
 * (docs/3os-image-standard.md §1): its header sits at byte 512 on a 4096-byte disk, or at byte 4096 on
 * a 512-byte disk.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';
import { gptCrc32 } from './crc32.js';
import { decodeGptEntries, decodeGptHeader, entryArrayLbas, hasGptSignature, hex32, type GptEntry } from './gpt-format.js';
import { parseMbrSector, PROTECTIVE_TYPE } from './mbr-format.js';
import { roleOfLabel } from './roles.js';
import type { GptCopyStatus, GptHeaderFields, GptPartition, GptTable } from './types.js';

/** A GPT as read, plus the raw bytes the editors need. */
export interface LoadedGpt {
  readonly table: GptTable;
  /** Entry array of the copy the table came from (exactly entryCount * entrySize bytes). */
  readonly entryArray: Buffer;
  /** Sector 0 as read (sectorSize bytes). */
  readonly mbrSector: Buffer;
  readonly totalLbas: number;
  /** The primary is bad and the backup was found only at the disk's end, not where the image ended. */
  readonly backupUncertain: boolean;
}

interface CopyRead {
  readonly status: GptCopyStatus;
  readonly header?: GptHeaderFields | undefined;
  readonly array?: Buffer | undefined;
}

/** Throw the refusal for a GPT built for another sector size, if that is what the disk holds. */
export async function checkSectorSizeMismatch(disk: DiskIO): Promise<void> {
  const ss = disk.sectorSize;
  const other = ss === 4096 ? 512 : ss === 512 ? 4096 : undefined;
  if (other === undefined || disk.size < other * 2) return;
  const atOwn = await disk.read(ss, 8);
  if (hasGptSignature(atOwn)) return;
  const atOther = await disk.read(other, 8);
  if (hasGptSignature(atOther)) {
    throw new FlashError(
      'E_PARTITION_TABLE',
      `${disk.path}: image built for ${other}-byte sectors, target uses ${ss} (the GPT header is at byte ${other}); refusing to convert`,
      { target: disk.path, phase: 'grow', offset: other },
    );
  }
}

async function readCopy(disk: DiskIO, lba: number, totalLbas: number): Promise<CopyRead> {
  const ss = disk.sectorSize;
  const decoded = decodeGptHeader(await disk.read(lba * ss, ss), lba, totalLbas);
  if (!decoded.ok) return { status: { ok: false, lba, problem: decoded.problem }, header: decoded.header };
  const h = decoded.header;
  const bytes = h.entryCount * h.entrySize;
  const array = await disk.read(h.entryLba * ss, entryArrayLbas(h, ss) * ss);
  const crc = gptCrc32(array.subarray(0, bytes));
  if (crc !== h.entryArrayCrc) {
    const problem = `partition entry array CRC mismatch (stored 0x${hex32(h.entryArrayCrc)}, computed 0x${hex32(crc)})`;
    return { status: { ok: false, lba, problem }, header: h };
  }
  return { status: { ok: true, lba }, header: h, array: Buffer.from(array.subarray(0, bytes)) };
}

function compareCopies(p: GptHeaderFields, b: GptHeaderFields): string[] {
  const out: string[] = [];
  const keys = ['firstUsableLba', 'lastUsableLba', 'diskGuid', 'entryCount', 'entrySize', 'entryArrayCrc'] as const;
  for (const k of keys) if (p[k] !== b[k]) out.push(`primary and backup GPT differ in ${k} (${p[k]} vs ${b[k]})`);
  if (b.alternateLba !== 1) out.push(`backup GPT header's AlternateLBA is ${b.alternateLba}, not 1`);
  return out;
}

function checkEntries(entries: readonly GptEntry[], h: GptHeaderFields): string[] {
  const problems: string[] = [];
  for (const e of entries) {
    if (e.firstLba > e.lastLba) problems.push(`partition ${e.index} ends (LBA ${e.lastLba}) before it starts (LBA ${e.firstLba})`);
    else if (e.firstLba < h.firstUsableLba || e.lastLba > h.lastUsableLba) {
      problems.push(`partition ${e.index} (LBA ${e.firstLba}-${e.lastLba}) lies outside the usable area ${h.firstUsableLba}-${h.lastUsableLba}`);
    }
  }
  const sorted = [...entries].sort((a, b) => a.firstLba - b.firstLba);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (prev !== undefined && cur !== undefined && cur.firstLba <= prev.lastLba) {
      problems.push(`partitions ${prev.index} and ${cur.index} overlap`);
    }
  }
  return problems;
}

/** Read and validate the GPT of `disk`. Throws E_PARTITION_TABLE when no valid copy exists. */
export async function loadGpt(disk: DiskIO): Promise<LoadedGpt> {
  const ss = disk.sectorSize;
  const totalLbas = Math.floor(disk.size / ss);
  const fail = (msg: string, offset?: number): FlashError =>
    new FlashError('E_PARTITION_TABLE', `${disk.path}: ${msg}`, { target: disk.path, offset });
  if (totalLbas < 4) throw fail(`disk too small for a GPT (${disk.size} bytes)`);
  await checkSectorSizeMismatch(disk);

  const mbrSector = await disk.read(0, ss);
  const pmbr = parseMbrSector(mbrSector);
  const prot = pmbr?.records.find((r) => r.type === PROTECTIVE_TYPE);
  const primary = await readCopy(disk, 1, totalLbas);
  // Where the backup may be: where the primary says; where the image ended by the PMBR's size
  // (a flashed image keeps its own PMBR); the end of the disk. A backup found only at the end of
  // a disk whose PMBR says the image ended elsewhere may be left over from an earlier image.
  const hinted = primary.header?.alternateLba;
  const pmbrLast = prot !== undefined && prot.startLba === 1 && prot.sizeLba !== 0xffffffff ? prot.sizeLba : undefined;
  const candidates: number[] = [];
  for (const lba of [hinted, primary.status.ok ? undefined : pmbrLast, primary.status.ok ? undefined : totalLbas - 1]) {
    if (lba !== undefined && lba > 1 && lba < totalLbas && !candidates.includes(lba)) candidates.push(lba);
  }
  let backup: CopyRead = { status: { ok: false, lba: undefined, problem: 'no backup header location known' } };
  for (const lba of candidates) {
    backup = await readCopy(disk, lba, totalLbas);
    if (backup.status.ok) break;
  }
  const backupUncertain =
    !primary.status.ok && backup.status.ok && backup.status.lba !== hinted && pmbrLast !== undefined && backup.status.lba !== pmbrLast;
  const good = primary.status.ok ? primary : backup.status.ok ? backup : undefined;
  if (good?.header === undefined || good.array === undefined) {
    const pp = primary.status.ok ? 'ok' : primary.status.problem;
    const bp = backup.status.ok ? 'ok' : backup.status.problem;
    throw fail(`no valid GPT: primary: ${pp}; backup: ${bp}`, ss);
  }
  const h = good.header;
  const warnings: string[] = [];
  if (!primary.status.ok) warnings.push(`primary GPT is bad (${primary.status.problem}); using the backup at LBA ${backup.status.lba}`);
  if (!backup.status.ok) warnings.push(`backup GPT is bad (${backup.status.problem})`);
  if (primary.status.ok && backup.status.ok && primary.header && backup.header) warnings.push(...compareCopies(primary.header, backup.header));
  if (primary.status.ok && h.alternateLba !== totalLbas - 1) warnings.push(`backup GPT header is at LBA ${h.alternateLba}, not at the end of the disk (LBA ${totalLbas - 1})`);
  if (backupUncertain) {
    warnings.push(`the backup GPT at LBA ${backup.status.lba} may be left over from an earlier image: the protective MBR says the image ended at LBA ${pmbrLast}`);
  }
  if (prot === undefined) warnings.push('no protective MBR (0xEE record) in sector 0');
  else if (prot.sizeLba !== Math.min(totalLbas - 1, 0xffffffff)) warnings.push(`protective MBR covers ${prot.sizeLba} sectors, disk has ${totalLbas - 1} after LBA 0`);

  const { entries, problems } = decodeGptEntries(good.array, h.entryCount, h.entrySize);
  problems.push(...checkEntries(entries, h));
  if (problems.length > 0) throw fail(`invalid GPT partition entries: ${problems.join('; ')}`);
  const partitions: GptPartition[] = entries.map((e) => ({
    index: e.index,
    role: roleOfLabel(e.name),
    name: e.name,
    type: e.typeGuid,
    uniqueGuid: e.uniqueGuid,
    attributes: e.attributes,
    firstLba: e.firstLba,
    lastLba: e.lastLba,
    start: e.firstLba * ss,
    size: (e.lastLba - e.firstLba + 1) * ss,
  }));
  const table: GptTable = {
    kind: 'gpt',
    sectorSize: ss,
    diskSize: disk.size,
    diskGuid: h.diskGuid,
    header: h,
    primary: primary.status,
    backup: backup.status,
    warnings,
    partitions,
  };
  return { table, entryArray: good.array, mbrSector, totalLbas, backupUncertain };
}
