/**
 * The one guarded path to every disk a verb changes (write, grow, seed, slot, repair, and
 * later backup/clone/restore). The CLI, the privileged helper and the app's direct runner all
 * call `guardTargets`; nothing else opens a target for writing (eslint.config.js and
 * test/unit/flasher/guard/only-door.test.ts enforce it).
 *
 * The refusal policy (README "Safety"): each target is judged alone. A refused target is not
 * opened for writing and stays byte for byte as it was; the others go on. Rules: missing or
 * not a drive/file; a system drive (unless --allow-system-drive and the name typed back on a
 * terminal); the drive holding the source image; read-only; held by LVM/dm/md; mounted (unless
 * the user let us unmount it: --unmount or the app's confirmation); held open exclusively by
 * another program; too small for the image; built for another sector size. Then one typed
 * confirmation for the devices (not image files) on a terminal (--yes skips it), the unmounts,
 * and an exclusive handle per target that the verb uses until it releases it.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import { assessTargets, sourceFacts, type AssessOptions, type TargetAssessment } from '../drives/assess.js';
import { prepareTarget } from '../drives/prepare.js';
import { holdsSource, type TargetContext, type Warning } from '../drives/safety.js';
import type { ListOptions } from '../drives/types.js';
import { FlashError, isFlashError, sysCode, type ErrorCode } from '../errors.js';
import { humanBytes } from '../../common/bytes.js';
import { localImagePath } from '../source/image-spec.js';
import { TargetHandle } from './handle.js';

/** The verbs that change a disk. `write`, `clone` and `restore` replace it whole; the others edit it in place. */
export type GuardVerb = 'write' | 'grow' | 'seed' | 'slot' | 'repair' | 'backup' | 'clone' | 'restore';

const REPLACES_WHOLE_DISK: ReadonlySet<GuardVerb> = new Set(['write', 'clone', 'restore']);

/** Asks the user to type `expected` back; resolves true when they did. */
export type Confirmer = (question: string, expected: string) => Promise<boolean>;

/**
 * What to guard and how. The drive rules' own inputs (image size and sector size, allowing a
 * system drive or unmounting, the 3os detector) are the assessment's options, passed through.
 */
export interface GuardRequest extends Pick<AssessOptions, 'imageSize' | 'imageSectorSize' | 'allowSystemDrive' | 'unmount' | 'detect3os'> {
  readonly verb: GuardVerb;
  readonly targets: readonly string[];
  /** The image being written (local path or URL): the drive holding it is refused. */
  readonly source?: string | undefined;
  /** Other local files the job reads (config, CSV, policy): a drive holding one is refused too. */
  readonly inputs?: readonly string[] | undefined;
  /** Judge only: report what the real run would refuse; take, unmount and ask nothing. */
  readonly dryRun?: boolean | undefined;
  /** A terminal to ask on; absent: nobody to ask (scripts, the helper). */
  readonly confirm?: Confirmer | undefined;
  /** --yes: skip the general question; a system drive is still asked for by name. */
  readonly yes?: boolean | undefined;
  /**
   * The caller already had the user confirm a system drive by typing its name (the app's own
   * dialog, passed on to the helper). Without it or `confirm`, a system drive is refused.
   */
  readonly systemDriveConfirmed?: boolean | undefined;
  /** Test hooks: another sysfs/dev root; another unmount. */
  readonly list?: ListOptions | undefined;
  readonly unmountTarget?: ((path: string) => Promise<readonly string[]>) | undefined;
}

export interface TargetRefusal {
  readonly target: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly shortfall?: number | undefined;
}

export interface GuardedTarget {
  readonly target: string;
  readonly handle: TargetHandle;
  readonly warnings: readonly Warning[];
  readonly unmounted: readonly string[];
}

export interface GuardResult {
  /** In the order the targets were given. Empty for a dry run. */
  readonly accepted: readonly GuardedTarget[];
  readonly refused: readonly TargetRefusal[];
  /** Warnings of every target that was not refused (also filled for a dry run). */
  readonly warnings: readonly { readonly target: string; readonly code: string; readonly message: string }[];
}

const QUESTION: Record<GuardVerb, string> = {
  write: 'This erases everything on',
  clone: 'This erases everything on',
  restore: 'This erases everything on',
  grow: 'This grows the data volume (partition table and LVM) on',
  seed: 'This writes the first-boot configuration into',
  slot: 'This switches the boot slot on',
  repair: 'This rewrites 3os-boot, 3os-root-a and 3os-root-b (data and config stay) on',
  backup: 'This reads',
};

function refusalsOf(a: TargetAssessment, req: GuardRequest, inputs: readonly { path: string; facts: TargetContext }[]): TargetRefusal[] {
  const out: TargetRefusal[] = a.refusals.map((r) => ({ target: a.target, code: r.code, message: r.message, shortfall: r.shortfall }));
  const d = a.drive;
  if (d === undefined) return out;
  for (const i of inputs) {
    if (holdsSource(d, i.facts)) out.push({ target: a.target, code: 'E_TARGET_HOLDS_SOURCE', message: `${a.target} holds ${i.path}, which this job reads` });
  }
  if (!REPLACES_WHOLE_DISK.has(req.verb) && d.kind === 'file' && d.exists !== true) {
    out.push({ target: a.target, code: 'E_TARGET_MISSING', message: `${a.target}: no such file or device` });
  }
  if (d.system && req.allowSystemDrive === true && req.confirm === undefined && req.systemDriveConfirmed !== true) {
    out.push({ target: a.target, code: 'E_TARGET_SYSTEM', message: `${a.target} is a system drive: changing it needs its name typed back on a terminal` });
  }
  if (d.mountpoints.length > 0 && req.unmount === true && process.platform === 'win32' && !REPLACES_WHOLE_DISK.has(req.verb)) {
    // Windows dismounts by cleaning the disk (prepare.ts): never for a verb that keeps its contents.
    out.push({ target: a.target, code: 'E_TARGET_BUSY', message: `${a.target} has mounted volumes: take them offline in Disk Management first` });
  }
  return out;
}

/** Would an exclusive open succeed? (Dry runs: opened read-only and closed at once.) */
async function probeExclusive(path: string): Promise<TargetRefusal | undefined> {
  try {
    const st = await fsp.stat(path);
    if (!st.isBlockDevice()) return undefined;
    const fh = await fsp.open(path, fsc.O_RDONLY | fsc.O_EXCL);
    await fh.close();
    return undefined;
  } catch (e) {
    if (sysCode(e) !== 'EBUSY') return undefined;
    return { target: path, code: 'E_TARGET_BUSY', message: `${path} is in use: mounted, or held open by another program` };
  }
}

async function defaultUnmount(path: string, req: GuardRequest): Promise<readonly string[]> {
  return (await prepareTarget(path, { allowSystemDrive: req.allowSystemDrive })).unmounted;
}

function describe(a: TargetAssessment): string {
  const d = a.drive;
  if (d === undefined) return a.target;
  const size = d.size > 0 ? ` ${humanBytes(d.size)}` : '';
  return `${a.target}${size} ${d.description}`.trimEnd();
}

/** Release every handle of a guard result (idempotent). */
export async function releaseAll(targets: readonly GuardedTarget[]): Promise<void> {
  for (const t of targets) await t.handle.release();
}

/**
 * Judge every target, ask, unmount, and take each accepted one exclusively. Throws only
 * E_CANCELLED (the user declined: nothing was taken); every other problem is a refusal of
 * that target alone.
 */
export async function guardTargets(req: GuardRequest): Promise<GuardResult> {
  const assessed = await assessTargets(req.targets, {
    ...req.list,
    imagePath: req.source === undefined ? undefined : localImagePath(req.source),
    imageSize: req.imageSize,
    imageSectorSize: req.imageSectorSize,
    allowSystemDrive: req.allowSystemDrive,
    unmount: req.unmount,
    detect3os: req.detect3os ?? req.list?.detect3os,
  });
  const inputs = await Promise.all((req.inputs ?? []).map(async (path) => ({ path, facts: await sourceFacts(path, req.list) })));
  const refused: TargetRefusal[] = [];
  let going: TargetAssessment[] = [];
  for (const a of assessed) {
    const r = refusalsOf(a, req, inputs);
    if (r.length > 0) refused.push(joinRefusals(r));
    else going.push(a);
  }
  // "Holds 3os" and "file exists" speak of replacing the disk: not said to a verb that keeps it.
  const told = (w: Warning): boolean => REPLACES_WHOLE_DISK.has(req.verb) || (w.code !== 'W_HOLDS_3OS' && w.code !== 'W_FILE_EXISTS');
  const warnings = going.flatMap((a) => a.warnings.filter(told).map((w) => ({ target: a.target, code: w.code, message: w.message })));

  if (req.dryRun === true) {
    for (const a of going) {
      if (a.drive?.mountpoints.length !== 0) continue; // the real run unmounts these first
      const busy = await probeExclusive(a.target);
      if (busy !== undefined) refused.push(busy);
    }
    return { accepted: [], refused: order(req.targets, refused), warnings };
  }

  const ask = req.confirm;
  const devices = going.filter((a) => a.drive !== undefined && a.drive.kind !== 'file');
  if (ask !== undefined && devices.length > 0) {
    for (const a of devices.filter((x) => x.drive?.system === true)) {
      const why = a.drive?.systemReasons.join(', ') ?? '';
      if (!(await ask(`${a.target} is a SYSTEM DRIVE (${why}). Changing it can break this computer.`, a.target))) {
        throw new FlashError('E_CANCELLED', 'not confirmed: nothing was written', { phase: 'open' });
      }
    }
    const mounted = devices.filter((a) => (a.drive?.mountpoints.length ?? 0) > 0).map((a) => `${a.target} (mounted: it will be unmounted)`);
    const list = devices.map((a) => `  ${describe(a)}`).join('\n');
    const extra = mounted.length > 0 ? `\n${mounted.join('\n')}` : '';
    if (req.yes !== true && !(await ask(`${QUESTION[req.verb]}:\n${list}${extra}\n`, 'yes'))) {
      throw new FlashError('E_CANCELLED', 'not confirmed: nothing was written', { phase: 'open' });
    }
  }

  const unmounted = new Map<string, readonly string[]>();
  const stillGoing: TargetAssessment[] = [];
  for (const a of going) {
    if (a.drive === undefined || a.drive.kind === 'file' || a.drive.mountpoints.length === 0) {
      stillGoing.push(a);
      continue;
    }
    try {
      unmounted.set(a.target, await (req.unmountTarget ?? ((p: string) => defaultUnmount(p, req)))(a.target));
      stillGoing.push(a);
    } catch (e) {
      if (!isFlashError(e)) throw e;
      refused.push({ target: a.target, code: e.code, message: e.message });
    }
  }
  going = stillGoing;

  const accepted: GuardedTarget[] = [];
  for (const a of going) {
    try {
      const handle = await TargetHandle.take(a.target, a.drive);
      accepted.push({ target: a.target, handle, warnings: a.warnings.filter(told), unmounted: unmounted.get(a.target) ?? [] });
    } catch (e) {
      if (!isFlashError(e)) {
        await releaseAll(accepted);
        throw e;
      }
      refused.push({ target: a.target, code: e.code, message: e.message });
    }
  }
  return { accepted, refused: order(req.targets, refused), warnings };
}

function joinRefusals(r: readonly TargetRefusal[]): TargetRefusal {
  const first = r[0] as TargetRefusal;
  return r.length === 1 ? first : { ...first, message: r.map((x) => x.message).join('; ') };
}

function order(targets: readonly string[], refused: readonly TargetRefusal[]): TargetRefusal[] {
  return [...refused].sort((a, b) => targets.indexOf(a.target) - targets.indexOf(b.target));
}

/** A refusal as the error a verb reports for that target (phase 'open', nothing written). */
export function refusalError(r: TargetRefusal): FlashError {
  return new FlashError(r.code, `${r.message}; nothing was written`, { target: r.target, phase: 'open' });
}
