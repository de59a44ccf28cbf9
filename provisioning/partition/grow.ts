/**
 * Grow the 3os data partition (or the last partition) of a GPT or MBR disk to fill the disk,
 * with a dry-run that computes the same plan without writing.
 *
 * Everything is read and validated, and every new sector is computed, before the first write;
 * the writes then happen in the power-loss-safe order the planners chose (see gpt-grow.ts and
 * mbr-grow.ts), with a flush at every barrier. A disk that is already grown is a no-op.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { fromIoError, isFlashError } from '../../flasher/errors.js';
import { planGptGrow, type GrowPlan, type GrowWhich } from './gpt-grow.js';
import { planMbrGrow } from './mbr-grow.js';
import { loadPartitionTable } from './read-table.js';
import type { GrowTableResult } from './types.js';

export interface GrowOptions {
  /** Compute and report the plan, write nothing. */
  readonly dryRun?: boolean | undefined;
  /** 'data' (default): the 3os data partition, which must be last; 'last': whatever partition is last. */
  readonly partition?: GrowWhich | undefined;
  /** GPT only: allow rebuilding a corrupt primary GPT from the intact backup. Default false. */
  readonly repair?: boolean | undefined;
}

export async function planGrow(disk: DiskIO, opts: GrowOptions = {}): Promise<GrowPlan> {
  const which = opts.partition ?? 'data';
  const loaded = await loadPartitionTable(disk);
  if (loaded.table.kind === 'gpt' && 'entryArray' in loaded) {
    return planGptGrow(loaded, { which, repair: opts.repair === true }, disk.path, disk);
  }
  if ('sectors' in loaded) return planMbrGrow(loaded, which, disk.path);
  throw new Error('unreachable: unknown table kind');
}

/** Grow the data partition to the end of the disk (see file header). */
export async function growDataPartition(disk: DiskIO, opts: GrowOptions = {}): Promise<GrowTableResult> {
  const plan = await planGrow(disk, opts);
  const dryRun = opts.dryRun === true;
  if (!dryRun) {
    for (const w of plan.writes) {
      try {
        await disk.write(w.offset, w.data);
        if (w.flushAfter) await disk.flush();
      } catch (e) {
        throw isFlashError(e) ? e.withContext({ target: disk.path, phase: 'grow', offset: w.offset }) : fromIoError(e, disk.path, 'grow', w.offset);
      }
    }
  }
  return {
    ...plan.result,
    dryRun,
    writes: plan.writes.map((w) => ({ offset: w.offset, length: w.data.length, what: w.what })),
  };
}
