/**
 * Plan the growth of a GPT disk: move the backup header + entry array to the real end of the
 * disk, set LastUsableLBA, extend the chosen (last) partition to the new LastUsableLBA, fix the
 * protective MBR size, recompute every CRC (docs/disk-formats.md §3.7). The output is byte-identical
 * to `sfdisk -N <n>` with `', +'` (the end is not aligned down; §3.8), PMBR end CHS included
 * (libfdisk writes FF FF FF there).
 *
 * Write order (power-loss safety: at every instant at least one complete, valid GPT copy exists
 * on the disk, and the kernel can find it):
 *   1. new backup entry array, then new backup header, at the end of the disk; flush.
 *      These sectors lie beyond the old LastUsableLBA, so no partition data is touched, and the
 *      primary (still old and valid, pointing at the old backup) is untouched: a crash here leaves
 *      the old table fully usable, and running the grow again finishes the job.
 *   2. primary entry array, then primary header; flush. A crash between the two leaves the primary
 *      with a bad array CRC; the kernel and libfdisk then fall back to the header at the last LBA,
 *      which is the complete new backup written (and flushed) in step 1.
 *   3. protective MBR size; flush. Only informative (the kernel ignores a wrong size).
 * When the primary is the damaged copy (repair), the order flips: the primary is rebuilt first
 * from the intact backup, and only then is the backup (our only good copy) rewritten.
 */
import { FlashError } from '../../flasher/errors.js';
import { gptCrc32 } from './crc32.js';
import { encodeGptHeader, entryArrayLbas, setEntryLastLba } from './gpt-format.js';
import type { LoadedGpt } from './gpt-read.js';
import { parseMbrSector, PROTECTIVE_TYPE, recordUsed, setRecordSize } from './mbr-format.js';
import type { GptHeaderFields, GptPartition, GrowTableResult, PlannedWrite } from './types.js';

export type GrowWhich = 'data' | 'last';

export interface GrowPlan {
  readonly result: Omit<GrowTableResult, 'dryRun' | 'writes'>;
  readonly writes: readonly PlannedWrite[];
}

export interface GrowCurrent {
  /** Current bytes of a sector range, to decide whether anything changes. */
  read(offset: number, length: number): Promise<Buffer>;
}

function growError(path: string, msg: string): FlashError {
  return new FlashError('E_GROW', `${path}: ${msg}`, { target: path, phase: 'grow' });
}

/** The partition to grow, checked to be the last one on the disk. */
export function pickLastPartition<P extends { index: number; role?: string | undefined; firstLba: number; lastLba: number; name?: string | undefined }>(
  parts: readonly P[],
  which: GrowWhich,
  path: string,
  ignore: (p: P) => boolean = () => false,
): P {
  const candidates = parts.filter((p) => !ignore(p));
  let target: P | undefined;
  if (which === 'data') {
    target = candidates.find((p) => p.role === 'data');
    if (target === undefined) throw new FlashError('E_NOT_3OS', `${path}: no 3os data partition (3os-data) to grow`, { target: path, phase: 'grow' });
  } else {
    target = candidates.reduce<P | undefined>((a, p) => (a === undefined || p.lastLba > a.lastLba ? p : a), undefined);
    if (target === undefined) throw growError(path, 'no partition to grow');
  }
  const t = target;
  const after = candidates.find((p) => p !== t && p.lastLba >= t.firstLba);
  if (after !== undefined) {
    const what = after.name !== undefined && after.name !== '' ? ` ("${after.name}")` : '';
    throw growError(path, `partition ${t.index} is not the last partition on the disk: partition ${after.index}${what} lies after it; refusing to grow`);
  }
  return t;
}

export async function planGptGrow(
  loaded: LoadedGpt,
  opts: { which: GrowWhich; repair: boolean },
  path: string,
  current: GrowCurrent,
): Promise<GrowPlan> {
  const t = loaded.table;
  const ss = t.sectorSize;
  const n = loaded.totalLbas;
  const h = t.header;
  if (!t.primary.ok && !opts.repair) {
    throw new FlashError(
      'E_PARTITION_TABLE',
      `${path}: the primary GPT is corrupt (${t.primary.problem}) but the backup at LBA ${t.backup.lba} is intact; ` +
        'refusing to grow unless asked to repair (rebuild the primary from the backup)',
      { target: path, phase: 'grow', offset: ss },
    );
  }
  if (!t.primary.ok && loaded.backupUncertain) {
    throw new FlashError(
      'E_PARTITION_TABLE',
      `${path}: the primary GPT is corrupt and the only backup found (LBA ${t.backup.lba}) may belong to an earlier image; refusing to rebuild from it`,
      { target: path, phase: 'grow', offset: ss },
    );
  }
  const target: GptPartition = pickLastPartition(t.partitions, opts.which, path);
  const e = entryArrayLbas(h, ss);
  const newLast = n - 2 - e;
  const newAlt = n - 1;
  const newBackupArray = n - 1 - e;
  const primaryEntryLba = t.primary.ok ? h.entryLba : 2;
  if (primaryEntryLba + e > h.firstUsableLba) throw growError(path, `no room for the primary entry array before LBA ${h.firstUsableLba}`);
  if (newLast < target.lastLba) {
    throw growError(path, `the disk (${n} sectors) is too small for partition ${target.index}, which ends at LBA ${target.lastLba}`);
  }

  const array = Buffer.alloc(e * ss);
  loaded.entryArray.copy(array);
  setEntryLastLba(array, h.entrySize, target.index, newLast);
  const arrayCrc = gptCrc32(array.subarray(0, h.entryCount * h.entrySize));
  const primaryFields: GptHeaderFields = {
    ...h,
    myLba: 1,
    alternateLba: newAlt,
    lastUsableLba: newLast,
    entryLba: primaryEntryLba,
    entryArrayCrc: arrayCrc,
  };
  const backupFields: GptHeaderFields = { ...primaryFields, myLba: newAlt, alternateLba: 1, entryLba: newBackupArray };
  const backupWrites: PlannedWrite[] = [
    { offset: newBackupArray * ss, data: array, what: `backup GPT entry array (LBA ${newBackupArray})`, flushAfter: false },
    { offset: newAlt * ss, data: encodeGptHeader(backupFields, ss), what: `backup GPT header (LBA ${newAlt})`, flushAfter: true },
  ];
  const primaryWrites: PlannedWrite[] = [
    { offset: primaryEntryLba * ss, data: array, what: `primary GPT entry array (LBA ${primaryEntryLba})`, flushAfter: false },
    { offset: ss, data: encodeGptHeader(primaryFields, ss), what: 'primary GPT header (LBA 1)', flushAfter: true },
  ];
  const gptWrites = t.primary.ok ? [...backupWrites, ...primaryWrites] : [...primaryWrites, ...backupWrites];
  let gptChanged = false;
  for (const w of gptWrites) if (!(await current.read(w.offset, w.data.length)).equals(w.data)) gptChanged = true;

  const writes: PlannedWrite[] = gptChanged ? [...gptWrites] : [];
  const pmbr = pmbrWrite(loaded.mbrSector, n);
  if (pmbr !== undefined) writes.push(pmbr);
  const backupMoved = gptChanged && t.backup.lba !== newAlt;
  const repaired = !t.primary.ok ? 'primary' : !t.backup.ok ? 'backup' : undefined;
  return {
    result: {
      changed: writes.length > 0,
      kind: 'gpt',
      sectorSize: ss,
      index: target.index,
      before: { start: target.start, size: target.size },
      after: { start: target.start, size: (newLast - target.firstLba + 1) * ss },
      diskSize: t.diskSize,
      backupMoved,
      repaired: gptChanged ? repaired : undefined,
    },
    writes,
  };
}

/** The PMBR with its 0xEE record sized to the disk (libfdisk style), or undefined when it is right or hybrid. */
function pmbrWrite(sector0: Buffer, totalLbas: number): PlannedWrite | undefined {
  const mbr = parseMbrSector(sector0);
  if (mbr === undefined) return undefined;
  const used = mbr.records.filter(recordUsed);
  const prot = used.find((r) => r.type === PROTECTIVE_TYPE);
  if (prot === undefined || used.length !== 1) return undefined; // hybrid MBR: leave it alone, as libfdisk does
  const size = Math.min(totalLbas - 1, 0xffffffff);
  if (prot.sizeLba === size) return undefined;
  const s = Buffer.from(sector0);
  setRecordSize(s, prot.slot, size, [0xff, 0xff, 0xff]);
  return { offset: 0, data: s, what: 'protective MBR size', flushAfter: true };
}
