/**
 * Grow a flashed 3os disk so the data volume owns the whole disk: the partition table first
 * (backup GPT to the real end, `3os-data` to the last usable LBA), then the LVM2 metadata (PV
 * resize, free extents to LVs by the storage policy), then the filesystems (offline where the
 * host has e2fsprogs, else recorded for the device's first boot in `3os/grow.json`).
 *
 * Both edits are planned (dry run) before either writes: a volume group we do not understand
 * refuses in the plan, and the disk is left exactly as it was. A disk with nothing to grow, or a
 * disk that is not a 3os image, is a no-op.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { isFlashError } from '../../flasher/errors.js';
import { find3osPartitions, growDataPartition, readPartitionTable, type GrowTableResult, type ThreeOsLayout } from '../partition/index.js';
import { growVolumeGroup, lvByteRange, offlineResizeExt4, readPhysicalVolume, type LvmGrowResult, type StoragePolicy } from '../lvm/index.js';
import { recordGrowth } from './grow-record.js';

export interface GrowDiskOptions {
  readonly policy?: StoragePolicy | undefined;
  readonly dryRun?: boolean | undefined;
  /** Grow ext4 filesystems offline with the host's e2fsprogs (Linux; default true). */
  readonly offlineFilesystems?: boolean | undefined;
  readonly now?: Date | undefined;
}

export type FsOutcome = 'resized' | 'skipped-no-tools' | 'not-ext4' | 'left-to-first-boot' | 'failed';

export interface GrowDiskResult {
  readonly is3os: boolean;
  readonly changed: boolean;
  readonly dryRun: boolean;
  readonly message: string;
  readonly table?: GrowTableResult | undefined;
  readonly lvm?: LvmGrowResult | undefined;
  readonly filesystems: readonly { readonly lv: string; readonly outcome: FsOutcome; readonly detail?: string | undefined }[];
  /** Where the first-boot growth record went ('3os/grow.json'), if written. */
  readonly recorded?: string | undefined;
}

export async function layoutOf(disk: DiskIO): Promise<ThreeOsLayout | undefined> {
  try {
    return find3osPartitions(await readPartitionTable(disk));
  } catch (e) {
    if (isFlashError(e) && e.code === 'E_PARTITION_TABLE') return undefined;
    throw e;
  }
}

/** An LVM2 label sits in one of the first four 512-byte sectors of a PV. */
async function hasLvmLabel(disk: DiskIO, start: number): Promise<boolean> {
  const head = await disk.read(start, 4 * 512);
  for (let s = 0; s < 4; s++) if (head.toString('latin1', s * 512, s * 512 + 8) === 'LABELONE') return true;
  return false;
}

export async function growDisk(disk: DiskIO, opts: GrowDiskOptions = {}): Promise<GrowDiskResult> {
  const dryRun = opts.dryRun === true;
  const layout = await layoutOf(disk);
  const data = layout?.data;
  if (layout === undefined || data === undefined) {
    return { is3os: false, changed: false, dryRun, message: 'not a 3os disk (no 3os-data partition): nothing to grow', filesystems: [] };
  }
  if (!(await hasLvmLabel(disk, data.start))) {
    return { is3os: false, changed: false, dryRun, message: '3os-data holds no LVM physical volume: nothing to grow', filesystems: [] };
  }
  // Plan both steps before writing anything.
  const tablePlan = await growDataPartition(disk, { dryRun: true });
  const pvLength = tablePlan.after.size;
  const lvmPlan = await growVolumeGroup(disk, data.start, pvLength, { policy: opts.policy, dryRun: true, now: opts.now });
  if (dryRun) {
    return {
      is3os: true,
      changed: tablePlan.changed || lvmPlan.changed,
      dryRun,
      message: 'dry run: nothing written',
      table: tablePlan,
      lvm: lvmPlan,
      filesystems: lvmPlan.growFilesystems.map((lv) => ({ lv, outcome: 'left-to-first-boot' as const })),
    };
  }
  const table = await growDataPartition(disk);
  const lvm = await growVolumeGroup(disk, data.start, pvLength, { policy: opts.policy, now: opts.now });
  await disk.flush();

  const filesystems: { lv: string; outcome: FsOutcome; detail?: string }[] = [];
  if (lvm.growFilesystems.length > 0) {
    const pv = await readPhysicalVolume(disk, data.start, pvLength);
    for (const lv of lvm.growFilesystems) {
      const ranges = lvByteRange(pv, lv);
      const range = ranges[0];
      if (opts.offlineFilesystems === false || process.platform !== 'linux' || ranges.length !== 1 || range === undefined) {
        filesystems.push({ lv, outcome: 'left-to-first-boot' });
        continue;
      }
      try {
        filesystems.push({ lv, outcome: await offlineResizeExt4(disk.path, range.start, range.length) });
      } catch (e) {
        // The LV is already grown; its filesystem can still grow online at first boot.
        filesystems.push({ lv, outcome: 'failed', detail: e instanceof Error ? e.message : String(e) });
      }
    }
  }
  const recorded = layout.config !== undefined && lvm.changed ? await recordGrowth(disk, layout.config, lvm, filesystems) : undefined;
  const changed = table.changed || lvm.changed;
  const gib = (n: number): string => `${(n / 2 ** 30).toFixed(2)} GiB`;
  return {
    is3os: true,
    changed,
    dryRun,
    message: changed ? `data volume grown from ${gib(table.before.size)} to ${gib(table.after.size)}` : 'already fills the disk: nothing to do',
    table,
    lvm,
    filesystems,
    recorded,
  };
}
