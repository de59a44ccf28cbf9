/**
 * The whole flash of one job, shared by the CLI, the privileged helper and the app:
 * write + verify every target (flasher/), then per target that succeeded: grow the data volume
 * (3os images; skipped for other images) and seed the first-boot configuration.
 * A target whose grow or seed fails is reported failed with that step's error; the image on it
 * stays valid and bootable.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { openDisk, type DiskIO } from '../flasher/disk-io.js';
import { FlashError, isFlashError } from '../flasher/errors.js';
import type { JobEvent } from '../flasher/progress.js';
import type { JobSummary, TargetResult, WriteJobSpec } from '../flasher/write/job-types.js';
import { runWriteJob, type RunOptions } from '../flasher/write/job.js';
import type { StoragePolicy } from './lvm/index.js';
import { growDisk } from './grow/grow-disk.js';

export interface FlashSpec extends WriteJobSpec {
  /** Grow the 3os data volume to fill each disk (default true). */
  readonly grow?: boolean | undefined;
  readonly policy?: StoragePolicy | undefined;
  /** Per-target storage policy (e.g. from each device's config); wins over `policy`. */
  readonly policyFor?: ((index: number) => StoragePolicy | undefined) | undefined;
  /** Seed step, per target (filled by the seeding code). */
  readonly seed?: ((disk: DiskIO, target: string, index: number) => Promise<TargetResult['seeded']>) | undefined;
}

/** Image files have no sector size of their own: take the one their GPT was built for. */
export async function openTargetDisk(path: string, writable = true): Promise<DiskIO> {
  const disk = await openDisk(path, { writable });
  if (disk.sectorSize !== 512 || disk.size < 8192) return disk;
  const at4k = await disk.read(4096, 8);
  const at512 = await disk.read(512, 8);
  if (at4k.toString('latin1') === 'EFI PART' && at512.toString('latin1') !== 'EFI PART') {
    if ((await stat(path)).isFile()) {
      await disk.close();
      return openDisk(path, { writable, sectorSize: 4096 });
    }
  }
  return disk;
}

/** Ask the kernel to re-read a block device's partition table (Linux; best effort). */
async function rereadPartitions(path: string): Promise<void> {
  if (process.platform !== 'linux' || !(await stat(path)).isBlockDevice()) return;
  await new Promise<void>((resolve) => execFile('blockdev', ['--rereadpt', path], () => resolve()));
}

async function afterWrite(spec: FlashSpec, r: TargetResult, index: number, onEvent: (e: JobEvent) => void): Promise<TargetResult> {
  if (!r.ok || (spec.grow === false && spec.seed === undefined)) return r;
  let phase: 'grow' | 'seed' = 'grow';
  let disk: DiskIO | undefined;
  try {
    disk = await openTargetDisk(r.target);
    let grown: TargetResult['grown'];
    if (spec.grow !== false) {
      onEvent({ kind: 'progress', target: r.target, phase: 'grow', bytes: 0, total: undefined, speed: 0, eta: undefined });
      const g = await growDisk(disk, { policy: spec.policyFor?.(index) ?? spec.policy });
      onEvent({ kind: 'info', target: r.target, message: g.message });
      if (g.is3os && g.table !== undefined) grown = { diskSize: g.table.diskSize, dataBytes: g.table.after.size, changed: g.changed };
      if (g.changed) await rereadPartitions(r.target);
    }
    phase = 'seed';
    const seeded = spec.seed === undefined ? undefined : await spec.seed(disk, r.target, index);
    await disk.flush();
    return { ...r, grown, seeded };
  } catch (e) {
    const err = isFlashError(e) ? e.withContext({ target: r.target, phase }) : new FlashError('E_GROW', e instanceof Error ? e.message : String(e), { target: r.target, phase });
    onEvent({ kind: 'info', target: r.target, message: `written and verified, but the ${phase} step failed: ${err.message}` });
    return { ...r, ok: false, error: err.toJSON() };
  } finally {
    await disk?.close();
  }
}

export async function runFlash(spec: FlashSpec, onEvent: (e: JobEvent) => void, opts: RunOptions = {}): Promise<JobSummary> {
  const t0 = performance.now();
  // A target is done when its grow and seed steps are: hold the writer's 'done' until then.
  const summary = await runWriteJob(
    spec,
    (e) => {
      if (e.kind !== 'done') onEvent(e);
    },
    opts,
  );
  const results = await Promise.all(
    summary.results.map(async (r, i) => {
      const after = await afterWrite(spec, r, i, onEvent);
      const done = { ...after, seconds: (performance.now() - t0) / 1000 };
      onEvent({ kind: 'done', ...done });
      return done;
    }),
  );
  return { ...summary, results };
}
