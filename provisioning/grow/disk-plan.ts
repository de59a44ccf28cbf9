/**
 * Plan everything, then write: one plan for the grow and seed steps of a 3os disk.
 *
 * planDisk reads and validates every structure the steps will touch and computes every byte they
 * will write, with nothing written:
 *   1. the partition table (GPT: both headers and entry arrays, protective MBR; MBR: the EBR
 *      chain) and the 3os layout, then the new table (provisioning/partition);
 *   2. the LVM2 PV label, both metadata areas and the VG text, the storage policy against the VG,
 *      then the new metadata, parsed back (provisioning/lvm);
 *   3. the ext4 filesystems of the LVs that grow: `e2fsck -fn` on a read-only loop device; only a
 *      clean one is planned for an offline resize, any other is left to the device's first boot;
 *   4. the config partition's FAT: boot sector, every FAT copy, every directory and chain
 *      (provisioning/fat/check.ts), then the grow record (3os/grow.json), the seed files and the
 *      removal of a stale 3os/result.json, allocated against the real free clusters;
 *   5. with a config's `raspberry_pi` section: 3os-boot's FAT, checked the same way, and the
 *      hardware block in the committed slot's config.txt, its overlays checked against the ones
 *      the slot ships (provisioning/slots/pi-hardware-plan.ts).
 * The partition, LVM and FAT editors run unchanged against a StagedDisk that keeps their writes
 * in memory, so the plan is exactly what the real run does: a refusal (E_PARTITION_TABLE,
 * E_LVM_CORRUPT, E_LVM_UNSUPPORTED, E_CONFIG_INVALID, E_GROW, E_FAT, E_FAT_FULL, E_NOT_3OS) is
 * thrown by planDisk itself and leaves the disk byte-identical. A dry run is planDisk without
 * apply().
 *
 * apply() checks that the bytes it is about to replace are still the ones planned from, then
 * writes in this order, each step in its own power-loss-safe order, with flush barriers, and
 * reads every written range back: partition table -> LVM metadata -> offline ext4 resizes ->
 * config FAT (grow record, seed files) -> 3os-boot (config.txt). The FAT goes last so the record never announces growth
 * that did not happen.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError, isFlashError, type Phase } from '../../flasher/errors.js';
import { openFat, type FatType } from '../fat/index.js';
import { checkExt4Offline, growVolumeGroup, offlineResizeExt4, type ByteRange, type LvmGrowResult, type StoragePolicy } from '../lvm/index.js';
import { find3osPartitions, planGrow, readPartitionTable, type GrowTableResult, type PartitionPlace, type ThreeOsLayout } from '../partition/index.js';
import type { RaspberryPiHardware } from '../config/pi-hardware.js';
import { CONFIG_LABEL, RESULT_PATH } from '../seed/config-partition.js';
import { planPiHardware, type PiHardwarePlan } from '../slots/pi-hardware-plan.js';
import { buildGrowRecord, growRecordBytes, GROW_RECORD_PATH, type GrowRecord } from './grow-record.js';
import { replay, snapshotRanges, StagedDisk, verifyReplayed, writeInfo, type PlannedWriteInfo, type StagedOp } from './staged-disk.js';

export type FsOutcome = 'resized' | 'skipped-no-tools' | 'not-ext4' | 'left-to-first-boot' | 'failed';

export interface GrowPlanOptions {
  readonly policy?: StoragePolicy | undefined;
  /** Grow ext4 filesystems offline with the host's e2fsprogs (Linux; default true). */
  readonly offlineFilesystems?: boolean | undefined;
  /** creation_host written into the LVM metadata (default: os.hostname()). */
  readonly hostname?: string | undefined;
}

export interface SeedFile {
  /** Volume path, '/'-separated ("3os/config.yaml"). */
  readonly path: string;
  readonly data: Uint8Array;
}

export interface SeedRequest {
  readonly files: readonly SeedFile[];
  /** Reported back only. */
  readonly hostname?: string | undefined;
  /** The config's `raspberry_pi` section: rendered into the committed slot's config.txt on 3os-boot. */
  readonly piHardware?: RaspberryPiHardware | undefined;
}

export interface PlanDiskOptions {
  /** Grow the 3os data volume to fill the disk (true, or with a storage policy). Default: no. */
  readonly grow?: boolean | GrowPlanOptions | undefined;
  /** Seed these files into the config partition (and remove a stale 3os/result.json). */
  readonly seed?: SeedRequest | undefined;
  /** Clock for LVM creation_time and FAT timestamps (default: when planned). */
  readonly now?: Date | undefined;
}

/** An LV whose filesystem must follow its growth, and what will be done about it. */
export interface PlannedFilesystem {
  readonly lv: string;
  /** 'resized': planned for an offline resize (checked clean); the others as in FsOutcome. */
  readonly outcome: FsOutcome;
  readonly detail?: string | undefined;
  /** Where the LV lies after the grow (one range when contiguous). */
  readonly ranges: readonly ByteRange[];
}

/** What the plan does to the config partition. */
export interface ConfigPlan {
  readonly index: number;
  readonly type: FatType;
  readonly label: string;
  readonly clusterSize: number;
  readonly freeBytesBefore: number;
  readonly freeBytesAfter: number;
  /** Found not cleanly unmounted (and consistent): marked clean by the write. */
  readonly dirty: boolean;
  readonly lostClusters: number;
  readonly writeFiles: readonly { readonly path: string; readonly bytes: number }[];
  readonly removeFiles: readonly string[];
}

interface PlanSummary {
  readonly target: string;
  /** The disk has a 3os data volume (grow) or a config partition (seed) to work on. */
  readonly is3os: boolean;
  /** Something is (or will be) written. */
  readonly changed: boolean;
  readonly message: string;
  readonly table?: GrowTableResult | undefined;
  readonly lvm?: LvmGrowResult | undefined;
  readonly record?: GrowRecord | undefined;
  readonly config?: ConfigPlan | undefined;
  readonly seed?: { readonly files: readonly string[]; readonly hostname?: string | undefined } | undefined;
  /** The Raspberry Pi hardware block planned for config.txt (with a `raspberry_pi` section). */
  readonly piHardware?: PiHardwarePlan | undefined;
  /** Everything that will be untidy but is not a reason to refuse (dirty FAT, lost clusters, an ext4 left to first boot). */
  readonly warnings: readonly string[];
}

export interface DiskPlan extends PlanSummary {
  readonly filesystems: readonly PlannedFilesystem[];
  /** Every write, in order (for --dry-run and JSON; no bytes). */
  readonly writes: readonly PlannedWriteInfo[];
  /** Perform the plan (once). */
  apply(): Promise<DiskPlanResult>;
}

export interface DiskPlanResult extends PlanSummary {
  readonly filesystems: readonly { readonly lv: string; readonly outcome: FsOutcome; readonly detail?: string | undefined }[];
  /** '3os/grow.json' when the grow record was written. */
  readonly recorded?: string | undefined;
  readonly seeded?: { readonly files: readonly string[]; readonly hostname?: string | undefined } | undefined;
}

/** The 3os layout, or undefined when the disk holds no partition table we can read. */
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

const gib = (n: number): string => `${(n / 2 ** 30).toFixed(2)} GiB`;

function growOptionsOf(g: PlanDiskOptions['grow']): GrowPlanOptions | undefined {
  if (g === undefined || g === false) return undefined;
  return g === true ? {} : g;
}

/** Decide, read-only, what to do about the filesystem of a grown LV. */
async function planFilesystem(disk: DiskIO, lv: string, ranges: readonly ByteRange[], offline: boolean): Promise<PlannedFilesystem> {
  const range = ranges[0];
  if (!offline || process.platform !== 'linux') return { lv, outcome: 'left-to-first-boot', ranges };
  if (ranges.length !== 1 || range === undefined) return { lv, outcome: 'left-to-first-boot', detail: 'the LV is not contiguous', ranges };
  try {
    const c = await checkExt4Offline(disk.path, range.start, range.length);
    switch (c.outcome) {
      case 'clean':
        return { lv, outcome: 'resized', ranges };
      case 'unclean':
        return { lv, outcome: 'left-to-first-boot', detail: `not resized offline: ${c.detail ?? 'e2fsck found problems'}`, ranges };
      default:
        return { lv, outcome: c.outcome, ranges };
    }
  } catch (e) {
    return { lv, outcome: 'left-to-first-boot', detail: `could not be checked offline: ${e instanceof Error ? e.message : String(e)}`, ranges };
  }
}

interface FatStep {
  readonly ops: StagedOp[];
  readonly config: ConfigPlan;
  readonly warnings: string[];
}

/**
 * Plan the config partition's changes on `staged` (which may already hold earlier steps): open,
 * check the whole volume, write the record and the seed files, drop a stale result.
 */
async function planFat(
  staged: StagedDisk,
  place: PartitionPlace,
  record: GrowRecord | undefined,
  seed: SeedRequest | undefined,
  now: Date,
): Promise<FatStep> {
  const path = staged.path;
  const mark = staged.mark();
  staged.what = `config partition ${place.index} (FAT)`;
  const phase: Phase = seed === undefined ? 'grow' : 'seed';
  const name = `${path}: the config partition (${place.index}, FAT)`;
  const vol = await openFat(staged, place.start, place.size, { check: true, now: () => now, name, phase }).catch((e: unknown) => {
    // A boot sector we cannot read: say which volume.
    throw isFlashError(e) && e.code === 'E_FAT' && !e.message.startsWith(name) ? new FlashError('E_FAT', `${name}: ${e.message}`, { target: path, phase, offset: e.offset }) : e;
  });
  if (seed !== undefined && vol.label.toUpperCase() !== CONFIG_LABEL) {
    throw new FlashError('E_NOT_3OS', `${path}: the config partition's FAT label is "${vol.label}", not ${CONFIG_LABEL}`, { target: path, phase: 'seed' });
  }
  const report = await vol.check();
  const freeBytesBefore = await vol.freeBytes();
  const files: { path: string; data: Uint8Array }[] = [];
  if (record !== undefined) files.push({ path: GROW_RECORD_PATH, data: growRecordBytes(record) });
  for (const f of seed?.files ?? []) files.push(f);
  for (const f of files) {
    try {
      await vol.writeFile(f.path, f.data, { mkdirs: true });
    } catch (e) {
      if (isFlashError(e) && e.code === 'E_FAT_FULL') {
        const total = files.reduce((n, x) => n + x.data.length, 0);
        throw new FlashError(
          'E_FAT_FULL',
          `${path}: the config partition (${report.type}, ${freeBytesBefore} bytes free in ${vol.clusterSize}-byte clusters) has no room for ${f.path} (${f.data.length} bytes; ${total} bytes to write in all): ${e.message}`,
          { target: path, phase },
        );
      }
      throw e;
    }
  }
  const removeFiles: string[] = [];
  if (seed !== undefined && (await vol.deleteFile(RESULT_PATH))) removeFiles.push(RESULT_PATH);
  await vol.flush();
  return {
    ops: staged.ops(mark),
    config: {
      index: place.index,
      type: report.type,
      label: vol.label,
      clusterSize: vol.clusterSize,
      freeBytesBefore,
      freeBytesAfter: await vol.freeBytes(),
      dirty: report.dirty,
      lostClusters: report.lostClusters,
      writeFiles: files.map((f) => ({ path: f.path, bytes: f.data.length })),
      removeFiles,
    },
    warnings: report.warnings.map((w) => `config partition: ${w}`),
  };
}

/** Read and check everything, compute every write; write nothing (see module comment). */
export async function planDisk(disk: DiskIO, opts: PlanDiskOptions = {}): Promise<DiskPlan> {
  const target = disk.path;
  const now = opts.now ?? new Date();
  const growOpts = growOptionsOf(opts.grow);
  const seed = opts.seed;
  const staged = new StagedDisk(disk);
  const warnings: string[] = [];
  const phase: Phase = seed === undefined ? 'grow' : 'seed';
  /** Table and LVM refusals belong to the grow step, also in a plan that seeds too. */
  const inGrow = <T>(p: Promise<T>): Promise<T> =>
    p.catch((e: unknown) => {
      throw isFlashError(e) ? e.withContext({ target, phase: 'grow' }) : e;
    });
  try {
    // Seeding needs the table and a config partition; a grow of a disk we cannot read is a no-op.
    const layout = seed !== undefined ? find3osPartitions(await readPartitionTable(disk)) : await layoutOf(disk);
    if (seed !== undefined && layout?.config === undefined) {
      throw new FlashError('E_NOT_3OS', `${target} has no 3os config partition (GPT name 3os-config, or the MBR variant's partition 2)`, { target, phase: 'seed' });
    }

    let message = '';
    let doneMessage = '';
    let is3os = seed !== undefined;
    let table: GrowTableResult | undefined;
    let lvm: LvmGrowResult | undefined;
    let tableOps: StagedOp[] = [];
    let lvmOps: StagedOp[] = [];
    const filesystems: PlannedFilesystem[] = [];
    let record: GrowRecord | undefined;
    if (growOpts !== undefined) {
      const data = layout?.data;
      if (layout === undefined || data === undefined) message = 'not a 3os disk (no 3os-data partition): nothing to grow';
      else if (!(await hasLvmLabel(disk, data.start))) message = '3os-data holds no LVM physical volume: nothing to grow';
      else {
        is3os = true;
        // 1. The partition table.
        const tp = await inGrow(planGrow(disk));
        let mark = staged.mark();
        for (const w of tp.writes) {
          staged.what = w.what;
          await staged.write(w.offset, w.data);
          if (w.flushAfter) await staged.flush();
        }
        await staged.flush();
        tableOps = staged.ops(mark);
        table = { ...tp.result, dryRun: false, writes: tp.writes.map((w) => ({ offset: w.offset, length: w.data.length, what: w.what })) };
        // 2. LVM, on the disk as the new table leaves it (its own read-back checks the new text).
        mark = staged.mark();
        staged.what = `LVM metadata (PV at byte ${data.start})`;
        lvm = await inGrow(growVolumeGroup(staged, data.start, table.after.size, { policy: growOpts.policy, now, hostname: growOpts.hostname }));
        lvmOps = staged.ops(mark);
        // 3. The filesystems of grown LVs.
        const offline = growOpts.offlineFilesystems !== false;
        for (const lv of lvm.growFilesystems) filesystems.push(await planFilesystem(disk, lv, lvm.ranges[lv] ?? [], offline));
        for (const f of filesystems) if (f.detail !== undefined) warnings.push(`filesystem on ${f.lv}: ${f.detail}`);
        if (layout.config !== undefined && lvm.changed) record = buildGrowRecord(lvm, filesystems);
        const changed = table.changed || lvm.changed;
        message = changed ? `data volume grows from ${gib(table.before.size)} to ${gib(table.after.size)}` : 'already fills the disk: nothing to do';
        doneMessage = changed ? `data volume grown from ${gib(table.before.size)} to ${gib(table.after.size)}` : message;
      }
    }

    // 4. The config partition.
    let fat: FatStep | undefined;
    const configPlace = layout?.config;
    if ((record !== undefined || seed !== undefined) && configPlace !== undefined) {
      fat = await planFat(staged, configPlace, record, seed, now);
      warnings.push(...fat.warnings);
    }
    // 5. The Raspberry Pi's config.txt on 3os-boot.
    let piHardware: PiHardwarePlan | undefined;
    let bootOps: StagedOp[] = [];
    if (seed?.piHardware !== undefined) {
      const mark = staged.mark();
      staged.what = '3os-boot config.txt (Raspberry Pi hardware block)';
      piHardware = await planPiHardware(staged, layout?.boot, seed.piHardware, now);
      bootOps = staged.ops(mark);
    }
    if (doneMessage === '') doneMessage = message;
    if (seed !== undefined) {
      const n = seed.files.length;
      const pi = piHardware === undefined ? '' : `the Raspberry Pi hardware block in config.txt (slot ${piHardware.slot}, ${piHardware.lines.length} line(s))`;
      message = [message, `seed ${n} file(s) into the config partition`, pi === '' ? '' : `set ${pi}`].filter((m) => m !== '').join('; ');
      doneMessage = [doneMessage, `seeded ${n} file(s) into the config partition`, pi === '' ? '' : `set ${pi}`].filter((m) => m !== '').join('; ');
    }

    const growOps = [...tableOps, ...lvmOps];
    const allOps = [...growOps, ...(fat?.ops ?? []), ...bootOps];
    // What the plan will overwrite, as it is now: apply() refuses a disk that changed meanwhile.
    const before = await snapshotRanges(disk, allOps);
    const summary: PlanSummary = {
      target,
      is3os,
      changed: allOps.some((o) => o.kind === 'write'),
      message,
      table,
      lvm,
      record,
      config: fat?.config,
      seed: seed === undefined ? undefined : { files: seed.files.map((f) => f.path), hostname: seed.hostname },
      piHardware,
      warnings,
    };
    let applied = false;
    const apply = async (): Promise<DiskPlanResult> => {
      if (applied) throw new Error('bug: a disk plan is applied once');
      applied = true;
      for (const b of before) {
        if (!(await disk.read(b.start, b.data.length)).equals(b.data)) {
          throw new FlashError('E_TARGET_BUSY', `${target} changed since it was planned (bytes at ${b.start}): nothing written, plan again`, { target, phase, offset: b.start });
        }
      }
      await replay(disk, growOps, 'grow');
      await verifyReplayed(disk, growOps, 'grow');
      const done: { lv: string; outcome: FsOutcome; detail?: string }[] = [];
      for (const f of filesystems) {
        const range = f.ranges[0];
        if (f.outcome !== 'resized' || range === undefined) {
          done.push({ lv: f.lv, outcome: f.outcome, ...(f.detail === undefined ? {} : { detail: f.detail }) });
          continue;
        }
        try {
          done.push({ lv: f.lv, outcome: await offlineResizeExt4(disk.path, range.start, range.length) });
        } catch (e) {
          // The LV is grown; its filesystem can still grow online at first boot.
          done.push({ lv: f.lv, outcome: 'failed', detail: e instanceof Error ? e.message : String(e) });
        }
      }
      let fatOps = fat?.ops ?? [];
      let actualRecord = record;
      if (record !== undefined && lvm !== undefined && configPlace !== undefined) {
        actualRecord = buildGrowRecord(lvm, done);
        // An offline resize that failed changes the record: the same checked FAT, planned again.
        if (!growRecordBytes(actualRecord).equals(growRecordBytes(record))) fatOps = (await planFat(new StagedDisk(disk), configPlace, actualRecord, seed, now)).ops;
      }
      await replay(disk, fatOps, phase);
      await verifyReplayed(disk, fatOps, phase);
      if (seed !== undefined && configPlace !== undefined) await verifySeedFiles(disk, configPlace, seed);
      await replay(disk, bootOps, phase);
      await verifyReplayed(disk, bootOps, phase);
      return {
        ...summary,
        message: doneMessage,
        record: actualRecord,
        filesystems: done,
        recorded: actualRecord !== undefined ? GROW_RECORD_PATH : undefined,
        seeded: summary.seed,
      };
    };
    return { ...summary, filesystems, writes: writeInfo(allOps), apply };
  } catch (e) {
    throw isFlashError(e) ? e.withContext({ target, phase }) : e;
  }
}

/** Read every seeded file back through the FAT (after the byte ranges were compared). */
async function verifySeedFiles(disk: DiskIO, place: PartitionPlace, seed: SeedRequest): Promise<void> {
  const vol = await openFat(disk, place.start, place.size);
  for (const f of seed.files) {
    const back = await vol.readFile(f.path);
    if (back === undefined || !back.equals(f.data)) {
      throw new FlashError('E_VERIFY_MISMATCH', `${disk.path}: ${f.path} reads back differently after seeding`, { target: disk.path, phase: 'seed' });
    }
  }
}
