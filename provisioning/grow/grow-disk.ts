/**
 * Grow a flashed 3os disk so the data volume owns the whole disk: the partition table first
 * (backup GPT to the real end, `3os-data` to the last usable LBA), then the LVM2 metadata (PV
 * resize, free extents to LVs by the storage policy), then the filesystems (offline where the
 * host has e2fsprogs, else recorded for the device's first boot in `3os/grow.json`).
 *
 * One plan (disk-plan.ts) for the dry run and the real run: every structure the grow touches
 * (partition table, LVM label and metadata, the storage policy against the VG, the ext4
 * filesystems it resizes, the config partition's FAT that receives the record) is read and
 * checked and every write computed before the first byte is written. A problem in any of them
 * is refused with its code and the disk is left exactly as it was; `dryRun` reports the same
 * refusal. A disk with nothing to grow, or a disk that is not a 3os image, is a no-op.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import type { LvmGrowResult } from '../lvm/index.js';
import type { GrowTableResult } from '../partition/index.js';
import { planDisk, type ConfigPlan, type DiskPlan, type DiskPlanResult, type FsOutcome, type GrowPlanOptions, type PlanDiskOptions } from './disk-plan.js';
import type { PlannedWriteInfo } from './staged-disk.js';

export { layoutOf, type FsOutcome } from './disk-plan.js';

export interface GrowDiskOptions extends Pick<GrowPlanOptions, 'policy' | 'offlineFilesystems'>, Pick<PlanDiskOptions, 'now'> {
  readonly dryRun?: boolean | undefined;
}

export interface GrowDiskResult {
  readonly is3os: boolean;
  readonly changed: boolean;
  readonly dryRun: boolean;
  readonly message: string;
  readonly table?: GrowTableResult | undefined;
  readonly lvm?: LvmGrowResult | undefined;
  /** Dry run: what is planned ('resized': checked clean, would be resized offline). */
  readonly filesystems: readonly { readonly lv: string; readonly outcome: FsOutcome; readonly detail?: string | undefined }[];
  /** Where the first-boot growth record went ('3os/grow.json'), if written. */
  readonly recorded?: string | undefined;
  /** The config partition's part of the plan (the grow record), when there is one. */
  readonly config?: ConfigPlan | undefined;
  /** Every write of the plan, in order (offset, length, what). */
  readonly writes?: readonly PlannedWriteInfo[] | undefined;
  /** Untidy but not refused: a dirty config FAT, lost clusters, a filesystem left to first boot. */
  readonly warnings?: readonly string[] | undefined;
}

function resultOf(plan: DiskPlan, done: DiskPlanResult | undefined): GrowDiskResult {
  const dryRun = done === undefined;
  return {
    is3os: plan.is3os,
    changed: plan.changed,
    dryRun,
    message: done !== undefined ? done.message : plan.is3os ? `dry run: nothing written (${plan.message})` : plan.message,
    table: plan.table === undefined ? undefined : { ...plan.table, dryRun },
    lvm: plan.lvm === undefined ? undefined : { ...plan.lvm, dryRun, seqnoAfter: dryRun ? plan.lvm.seqnoBefore : plan.lvm.seqnoAfter },
    filesystems: done?.filesystems ?? plan.filesystems.map((f) => ({ lv: f.lv, outcome: f.outcome, detail: dryRun ? `planned${f.detail === undefined ? '' : `: ${f.detail}`}` : f.detail })),
    recorded: done?.recorded,
    config: plan.config,
    writes: plan.writes,
    warnings: plan.warnings,
  };
}

export async function growDisk(disk: DiskIO, opts: GrowDiskOptions = {}): Promise<GrowDiskResult> {
  const plan = await planDisk(disk, { grow: { policy: opts.policy, offlineFilesystems: opts.offlineFilesystems }, now: opts.now });
  if (opts.dryRun === true) return resultOf(plan, undefined);
  return resultOf(plan, await plan.apply());
}
