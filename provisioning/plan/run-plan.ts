/**
 * The one runner of a job plan (plan.ts), shared by the CLI, the privileged helper and the
 * app's direct runner: every target goes through the guard (flasher/guard), refused targets
 * stay as they were and fail alone, the others are written, and every handle is released.
 *
 * flash: open the source (nothing written) -> guard the targets against what is known of it
 * (size, sector size, where it lives) -> write + verify (flasher/write) -> per written target,
 * grow and seed through the same exclusive handle -> release -> re-read partitions -> eject.
 * grow / seed / slot / repair: guard the one target, then the edit (planned before it writes).
 */
import { execFile } from 'node:child_process';
import { openDisk, type DiskIO } from '../../flasher/disk-io.js';
import { ejectTarget } from '../../flasher/drives/prepare.js';
import type { ListOptions, ThreeOsInfo } from '../../flasher/drives/types.js';
import { FlashError, isFlashError, type Phase, type WireError } from '../../flasher/errors.js';
import { guardTargets, refusalError, releaseAll, type Confirmer, type GuardedTarget, type GuardRequest, type GuardVerb, type TargetRefusal } from '../../flasher/guard/guard.js';
import type { JobEvent } from '../../flasher/progress.js';
import type { JobSummary, TargetResult } from '../../flasher/write/job-types.js';
import { openJobSource, writeTargets, type JobSource, type RunOptions } from '../../flasher/write/job.js';
import type { parseStoragePolicy } from '../lvm/index.js';
import type { SeedRequest } from '../grow/disk-plan.js';
import type { GrowDiskResult } from '../grow/grow-disk.js';
import type { RepairResult } from '../repair/repair-disk.js';
import type { SlotStatus } from '../slots/index.js';
import type { FlashPlan, FlashTarget, JobPlan } from './plan.js';
import { planTargets, seedBytes } from './plan-targets.js';

// Start-up: the disk-editing code (partition, LVM, FAT, config schemas with zod) is imported when
// a step needs it, so a plain write starts without it; a flash that will grow or seed starts
// loading it while the image is written.
const storagePolicy = async (): Promise<typeof parseStoragePolicy> => (await import('../lvm/index.js')).parseStoragePolicy;
const diskPlanning = async (): Promise<typeof import('../grow/disk-plan.js') & typeof import('../grow/grow-disk.js')> => ({
  ...(await import('../grow/disk-plan.js')),
  ...(await import('../grow/grow-disk.js')),
});

/** What an edit verb reports for its target, beside ok/error. */
export type EditDetail =
  | { readonly kind: 'grow'; readonly grow: GrowDiskResult }
  | { readonly kind: 'seed'; readonly files: readonly string[]; readonly hostname?: string | undefined }
  | { readonly kind: 'slot'; readonly slot: SlotStatus }
  | { readonly kind: 'repair'; readonly repair: RepairResult };

export interface PlanTargetResult extends TargetResult {
  readonly detail?: EditDetail | undefined;
  /** Mount points the guard unmounted first. */
  readonly unmounted?: readonly string[] | undefined;
  readonly ejected?: boolean | undefined;
}

export interface PlanSummary extends JobSummary {
  readonly kind: JobPlan['kind'];
  readonly results: readonly PlanTargetResult[];
  /** Warnings the guard had for accepted targets (large drive, holds 3os, ...). */
  readonly warnings: readonly { readonly target: string; readonly code: string; readonly message: string }[];
}

export interface RunPlanOptions extends RunOptions {
  readonly onEvent?: ((e: JobEvent) => void) | undefined;
  /** A terminal to ask on (the CLI); absent: nobody to ask. */
  readonly confirm?: Confirmer | undefined;
  /** Skip the general "this erases ..." question (--yes); system drives are still asked for. */
  readonly yes?: boolean | undefined;
  readonly detect3os?: ((path: string) => Promise<ThreeOsInfo | undefined>) | undefined;
  /** Test hook: another sysfs/dev root for the drive facts. */
  readonly list?: ListOptions | undefined;
}

const VERB: Record<JobPlan['kind'], GuardVerb> = { flash: 'write', grow: 'grow', seed: 'seed', slot: 'slot', repair: 'repair' };

function refusedResult(r: TargetRefusal): PlanTargetResult {
  return { target: r.target, ok: false, bytesWritten: 0, verified: false, seconds: 0, error: refusalError(r).toJSON() };
}

function failedResult(target: string, e: unknown, phase: Phase, started: number): PlanTargetResult {
  const err = isFlashError(e) ? e.withContext({ target, phase }) : new FlashError('E_WRITE_IO', e instanceof Error ? e.message : String(e), { target, phase, cause: e });
  return { target, ok: false, bytesWritten: 0, verified: false, seconds: (performance.now() - started) / 1000, error: err.toJSON() };
}

function guardRequest(plan: JobPlan, opts: RunPlanOptions, extra: Partial<GuardRequest>): GuardRequest {
  return {
    verb: VERB[plan.kind],
    targets: planTargets(plan),
    allowSystemDrive: plan.allowSystemDrive,
    systemDriveConfirmed: plan.systemDriveConfirmed,
    unmount: plan.unmount,
    inputs: plan.inputs,
    confirm: opts.confirm,
    yes: opts.yes,
    detect3os: opts.detect3os,
    list: opts.list,
    ...extra,
  };
}

/** Run a plan to its end. Throws only for the job as a whole (bad source, cancelled); targets fail alone. */
export async function runPlan(plan: JobPlan, opts: RunPlanOptions = {}): Promise<PlanSummary> {
  if (plan.kind === 'flash') return runFlashPlan(plan, opts);
  const onEvent = opts.onEvent ?? (() => undefined);
  const t0 = performance.now();
  const dryRun = plan.kind === 'grow' && plan.dryRun === true;
  const image = plan.kind === 'repair' ? plan.image : undefined;
  const g = await guardTargets(guardRequest(plan, opts, { source: image, dryRun }));
  const summary = (results: PlanTargetResult[]): PlanSummary => ({ kind: plan.kind, image: image ?? '', format: '', imageSize: 0, sha256: undefined, results, warnings: g.warnings });
  const refusal = g.refused[0];
  if (refusal !== undefined) {
    const r = refusedResult(refusal);
    onEvent({ kind: 'done', ...r });
    return summary([r]);
  }
  if (dryRun) {
    // Judge like the real run, then plan on a read-only view: nothing is written.
    const disk = await openDisk(plan.target);
    try {
      const r = await runEdit(plan, disk);
      return summary([{ target: plan.target, ok: true, bytesWritten: 0, verified: false, seconds: (performance.now() - t0) / 1000, detail: r }]);
    } catch (e) {
      return summary([failedResult(plan.target, e, 'grow', t0)]);
    } finally {
      await disk.close();
    }
  }
  const [t] = g.accepted;
  if (t === undefined) throw new FlashError('E_CANCELLED', 'nothing to do', { phase: 'open' });
  let result: PlanTargetResult;
  try {
    const disk = await t.handle.disk();
    try {
      const detail = await runEdit(plan, disk);
      await disk.flush();
      result = { target: t.target, ok: true, bytesWritten: 0, verified: plan.kind === 'repair', seconds: (performance.now() - t0) / 1000, detail, unmounted: t.unmounted };
    } finally {
      await disk.close();
    }
  } catch (e) {
    result = { ...failedResult(t.target, e, plan.kind, t0), unmounted: t.unmounted };
  } finally {
    await t.handle.release();
  }
  if (result.ok && (plan.kind === 'grow' || plan.kind === 'repair')) await rereadPartitions(t.target);
  onEvent({ kind: 'done', ...result });
  return summary([result]);
}

async function runEdit(plan: Exclude<JobPlan, FlashPlan>, disk: DiskIO): Promise<EditDetail> {
  switch (plan.kind) {
    case 'grow': {
      const policy = plan.policy === undefined ? undefined : (await storagePolicy())(plan.policy, 'policy');
      return { kind: 'grow', grow: await (await diskPlanning()).growDisk(disk, { policy, dryRun: plan.dryRun === true }) };
    }
    case 'seed': {
      const files = await (await import('../seed/seed-disk.js')).writeSeedFiles(disk, seedBytes(plan.seed), plan.seed.piHardware);
      return { kind: 'seed', files, hostname: plan.seed.hostname };
    }
    case 'slot':
      return { kind: 'slot', slot: await (await import('../slots/index.js')).setSlot(disk, plan.slot, { tries: plan.tries }) };
    case 'repair':
      return { kind: 'repair', repair: await (await import('../repair/repair-disk.js')).repairDisk(plan.image, disk) };
    default: {
      const never: never = plan;
      throw new Error(`unknown plan ${JSON.stringify(never)}`);
    }
  }
}

/** Ask the kernel to re-read a block device's partition table (Linux; best effort; after release). */
async function rereadPartitions(path: string): Promise<void> {
  if (process.platform !== 'linux' || !path.startsWith('/dev/')) return;
  await new Promise<void>((resolve) => execFile('blockdev', ['--rereadpt', path], () => resolve()));
}

async function runFlashPlan(plan: FlashPlan, opts: RunPlanOptions): Promise<PlanSummary> {
  const onEvent = opts.onEvent ?? (() => undefined);
  const t0 = performance.now();
  const spec = { image: plan.image, targets: plan.targets.map((t) => t.path), bmap: plan.bmap, sha256: plan.sha256, verify: plan.verify };
  // Every target's policy is checked before anything is opened or written.
  const parse = plan.targets.some((t) => t.policy !== undefined) ? await storagePolicy() : undefined;
  const policies = plan.targets.map((t) => (t.policy === undefined || parse === undefined ? undefined : parse(t.policy, 'policy')));
  const src = await openJobSource(spec, onEvent, opts);
  let accepted: readonly GuardedTarget[] = [];
  try {
    await preflight(plan, src);
    const g = await guardTargets(
      guardRequest(plan, opts, { source: src.image.localPath ?? plan.image, imageSize: src.size, imageSectorSize: src.sectorSize }),
    );
    accepted = g.accepted;
    const refused = new Map(g.refused.map((r) => [r.target, refusedResult(r)]));
    // The grow and seed code is needed after writing: loaded while the image is written (a failure
    // to load surfaces where it is awaited, in afterWrite).
    const planning = accepted.length > 0 && (plan.grow || plan.targets.some((t) => t.seed !== undefined)) ? diskPlanning() : undefined;
    planning?.catch(() => undefined);
    for (const r of refused.values()) onEvent({ kind: 'done', ...r });
    const written: JobSummary =
      accepted.length === 0
        ? { image: plan.image, format: src.image.format, imageSize: src.size ?? 0, sha256: undefined, results: [] }
        : await writeTargets(spec, src, accepted.map((a) => a.handle), (e) => (e.kind === 'done' ? undefined : onEvent(e)), opts);
    const after = await Promise.all(
      written.results.map(async (r) => {
        const i = plan.targets.findIndex((t) => t.path === r.target);
        const guarded = accepted.find((a) => a.target === r.target);
        const target = plan.targets[i];
        const res = guarded === undefined || target === undefined ? r : await afterWrite(r, guarded, target, policies[i], plan.grow, onEvent, planning);
        return { ...res, unmounted: guarded?.unmounted, seconds: (performance.now() - t0) / 1000 };
      }),
    );
    await releaseAll(accepted);
    const results: PlanTargetResult[] = [];
    for (const t of plan.targets) {
      const r = refused.get(t.path) ?? after.find((x) => x.target === t.path) ?? failedResult(t.path, new FlashError('E_CANCELLED', `${t.path} was not written`), 'open', t0);
      const done = r.ok ? await finishTarget(r, plan) : r;
      if (!refused.has(t.path)) onEvent({ kind: 'done', ...done });
      results.push(done);
    }
    return { ...written, kind: 'flash', image: plan.image, results, warnings: g.warnings };
  } finally {
    await releaseAll(accepted);
    await src.close();
  }
}

async function finishTarget(r: PlanTargetResult, plan: FlashPlan): Promise<PlanTargetResult> {
  if (r.grown?.changed === true) await rereadPartitions(r.target);
  if (!plan.eject) return r;
  const e = await ejectTarget(r.target).catch(() => undefined);
  return { ...r, ejected: e?.ejected === true };
}

/** The grow and seed steps of one written target, through its guarded handle: one plan, checked whole before its first write. */
async function afterWrite(
  r: TargetResult,
  guarded: GuardedTarget,
  target: FlashTarget,
  policy: ReturnType<typeof parseStoragePolicy> | undefined,
  grow: boolean,
  onEvent: (e: JobEvent) => void,
  planning: ReturnType<typeof diskPlanning> | undefined,
): Promise<TargetResult> {
  if (!r.ok || (!grow && target.seed === undefined)) return r;
  const phase = grow ? 'grow' : 'seed';
  let disk: DiskIO | undefined;
  try {
    disk = await guarded.handle.disk();
    if (grow) onEvent({ kind: 'progress', target: r.target, phase: 'grow', bytes: 0, total: undefined, speed: 0, eta: undefined });
    const { planDisk } = await (planning ?? diskPlanning());
    const plan = await planDisk(disk, { grow: grow ? { policy } : undefined, seed: seedRequest(target.seed) });
    const done = await plan.apply();
    onEvent({ kind: 'info', target: r.target, message: done.message });
    for (const w of done.warnings) onEvent({ kind: 'info', target: r.target, message: `warning: ${w}` });
    const grown = grow && done.is3os && done.table !== undefined ? { diskSize: done.table.diskSize, dataBytes: done.table.after.size, changed: done.changed } : undefined;
    await disk.flush();
    return { ...r, grown, seeded: done.seeded === undefined ? undefined : { files: done.seeded.files, hostname: done.seeded.hostname } };
  } catch (e) {
    const err: WireError = (isFlashError(e) ? e.withContext({ target: r.target, phase }) : new FlashError('E_GROW', e instanceof Error ? e.message : String(e), { target: r.target, phase })).toJSON();
    onEvent({ kind: 'info', target: r.target, message: `written and verified, but the ${err.phase ?? phase} step failed before changing the disk: ${err.message}` });
    return { ...r, ok: false, error: err };
  } finally {
    await disk?.close();
  }
}

function seedRequest(seed: FlashTarget['seed']): SeedRequest | undefined {
  return seed === undefined ? undefined : { files: seedBytes(seed), hostname: seed.hostname, piHardware: seed.piHardware };
}

/**
 * Plan everything, then write: a raw local 3os image is checked as the targets will be (its
 * partition table, LVM, ext4 and config FAT, and room for each target's seed files) before any
 * target is opened, so an image with a damaged structure is refused with every target untouched.
 * Storage policies are judged per target after writing (their sizes depend on the disk's size).
 */
async function preflight(plan: FlashPlan, src: JobSource): Promise<void> {
  const path = src.image.localPath;
  if (src.image.format !== 'raw' || path === undefined) return;
  if (!plan.grow && plan.targets.every((t) => t.seed === undefined)) return;
  const { layoutOf, planDisk } = await diskPlanning();
  const image = await openDisk(path);
  try {
    if ((await layoutOf(image)) === undefined) return; // not a 3os image: nothing will be grown or seeded
    const seeds = plan.targets.map((t) => t.seed).filter((x) => x !== undefined);
    for (const seed of seeds.length === 0 ? [undefined] : seeds) {
      await planDisk(image, { grow: plan.grow ? { offlineFilesystems: false } : undefined, seed: seedRequest(seed) });
    }
  } catch (e) {
    throw isFlashError(e) ? new FlashError(e.code, `the image cannot be grown or seeded as asked: ${e.message}; nothing was written`, { phase: e.phase ?? 'grow', offset: e.offset, cause: e }) : e;
  } finally {
    await image.close();
  }
}
