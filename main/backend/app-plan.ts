/**
 * The app's jobs as plans (provisioning/plan): a flash with each target's rendered settings
 * (seed files and storage policy, target i gets rendered[i]), and a repair. The same plans run
 * in the privileged helper (Electron) or in this process (the dev bridge, root): one runner.
 */
import { FlashError } from '../../flasher/errors.js';
import { seedOf, type FlashPlan } from '../../provisioning/plan/plan.js';
import { seedFilesFor } from '../../provisioning/seed/seed-disk.js';
import type { RepairView } from '../ipc/contract-types.js';
import type { AppFlashJob, PlanRunner } from './types.js';

export type { PlanRunner } from './types.js';

/**
 * The app's answer to "may mounted drives be unmounted": yes, its confirmation dialog names every
 * drive and says mounted ones are unmounted. Its drive check and its plans both use it, so the
 * app never shows a drive as refused that its flash would take (or the reverse).
 */
export const APP_UNMOUNTS = true;

/** A flash from the app: the user was asked before this point (see APP_UNMOUNTS). */
export function appFlashPlan(job: AppFlashJob): FlashPlan {
  return {
    kind: 'flash',
    image: job.image,
    targets: job.targets.map((path, i) => {
      const r = job.rendered?.[i];
      return { path, seed: r === undefined ? undefined : seedOf(seedFilesFor(r, '3os-native'), r.config.hostname, r.digest, r.config.raspberry_pi), policy: r?.config.storage };
    }),
    bmap: job.bmap,
    sha256: job.sha256,
    verify: job.verify !== false,
    grow: job.grow,
    eject: false,
    allowSystemDrive: job.allowSystemDrive,
    unmount: APP_UNMOUNTS,
  };
}

/** A repair through the plan runner, answered as the repair page shows it. */
export async function runRepairPlan(run: PlanRunner, image: string, target: string): Promise<RepairView> {
  const summary = await run({ kind: 'repair', image, target, unmount: APP_UNMOUNTS }, () => undefined, new AbortController().signal);
  const r = summary.results[0];
  if (r?.error !== undefined) throw FlashError.fromWire(r.error);
  const d = r?.detail;
  if (r === undefined || d?.kind !== 'repair') throw new FlashError('E_HELPER', 'the repair job answered without a result');
  return {
    target: d.repair.target,
    partitions: d.repair.partitions.map((p) => ({ name: p.name, bytes: p.bytes, sha256: p.sha256 })),
    imageJsonUpdated: d.repair.imageJsonUpdated,
    kept: d.repair.kept,
    seconds: r.seconds,
  };
}
