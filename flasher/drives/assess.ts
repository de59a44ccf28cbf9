/**
 * Gather the real facts about each target (drive list, mounts, where the source image lives)
 * and apply the pure safety rules to them. Used by the CLI `write` verb, the app, and the
 * privileged helper, which re-runs it before touching anything.
 */
import { promises as fsp } from 'node:fs';
import { isFlashError } from '../errors.js';
import { localImagePath } from '../source/image-spec.js';
import { decodeDev, describeTarget, listDrives } from './list.js';
import { checkTarget, type Refusal, type TargetContext, type Warning } from './safety.js';
import { disksUnderDevno } from './system-disks.js';
import { readBlockTree } from './sysfs.js';
import type { Drive, ListOptions } from './types.js';

export interface AssessOptions extends ListOptions {
  /** Local image path or http(s) URL (URLs cannot sit on a target). */
  readonly imagePath?: string | undefined;
  /** Decoded image size, when known. */
  readonly imageSize?: number | undefined;
  readonly allowSystemDrive?: boolean | undefined;
  readonly largeDriveThreshold?: number | undefined;
  readonly unmount?: boolean | undefined;
  readonly imageSectorSize?: number | undefined;
}

export interface TargetAssessment {
  readonly target: string;
  /** Undefined when the target could not even be described (missing, a partition, a folder). */
  readonly drive: Drive | undefined;
  readonly refusals: readonly Refusal[];
  readonly warnings: readonly Warning[];
}

/** Where the source image lives: its real path and (Linux) the whole disks under it. */
export async function sourceFacts(imagePath: string | undefined, opts: ListOptions = {}): Promise<Pick<TargetContext, 'sourcePath' | 'sourceDisks' | 'sourceMount'>> {
  const local = imagePath === undefined ? undefined : localImagePath(imagePath);
  if (local === undefined) return {};
  let real: string;
  let st;
  try {
    real = await fsp.realpath(local);
    st = await fsp.stat(real);
  } catch {
    return {}; // the source reader reports a missing source; nothing here can hold it
  }
  if (process.platform !== 'linux' && opts.root === undefined) {
    // No sysfs: the source sits on the drive whose mount point is the longest prefix of its path.
    const points = (await listDrives(opts)).flatMap((d) => d.mountpoints.map((m) => m.path));
    const sep = process.platform === 'win32' ? '\\' : '/';
    const lower = (p: string): string => (process.platform === 'win32' ? p.toLowerCase() : p);
    const holding = points
      .filter((p) => lower(real) === lower(p) || lower(real).startsWith(lower(p.endsWith(sep) ? p : p + sep)))
      .sort((a, b) => b.length - a.length)[0];
    return { sourcePath: real, sourceMount: holding };
  }
  const tree = await readBlockTree(opts.root ?? '/');
  const devDir = opts.devDir ?? '/dev';
  const devs = [decodeDev(st.dev)];
  if (st.isBlockDevice()) devs.push(decodeDev(st.rdev)); // disk-to-disk copy
  const disks = devs.flatMap((d) => disksUnderDevno(tree, d)).map((n) => `${devDir}/${n}`);
  return { sourcePath: real, sourceDisks: [...new Set(disks)] };
}

/** Describe every target and apply the safety rules; never throws for a bad target. */
export async function assessTargets(paths: readonly string[], opts: AssessOptions = {}): Promise<TargetAssessment[]> {
  const src = await sourceFacts(opts.imagePath, opts);
  const ctx: TargetContext = {
    ...src,
    imageSize: opts.imageSize,
    allowSystemDrive: opts.allowSystemDrive,
    largeDriveThreshold: opts.largeDriveThreshold,
    unmount: opts.unmount,
    imageSectorSize: opts.imageSectorSize,
  };
  const out: TargetAssessment[] = [];
  const seen = new Set<string>();
  for (const target of paths) {
    let drive: Drive;
    try {
      drive = await describeTarget(target, opts);
    } catch (e) {
      if (!isFlashError(e)) throw e;
      const code = e.code === 'E_TARGET_MISSING' ? 'E_TARGET_MISSING' : 'E_TARGET_INVALID';
      out.push({ target, drive: undefined, refusals: [{ code, message: e.message }], warnings: [] });
      continue;
    }
    const { refusals, warnings } = checkTarget(drive, ctx);
    if (seen.has(drive.id)) refusals.push({ code: 'E_TARGET_INVALID', message: `${target} is listed twice (same drive as another target)` });
    seen.add(drive.id);
    out.push({ target, drive, refusals, warnings });
  }
  return out;
}
