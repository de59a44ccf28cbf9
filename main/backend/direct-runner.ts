/**
 * Runs a flash in this process (the dev bridge and tests, which run as root): the same target
 * re-check the privileged helper does (safety rules, 3os detection, unmount), then the whole
 * pipeline (write, verify, grow, seed). A refused target fails alone with its reason; the
 * others are written.
 */
import { assessTargets } from '../../flasher/drives/assess.js';
import { detect3os } from '../../provisioning/detect/detect-3os.js';
import { prepareTarget } from '../../flasher/drives/prepare.js';
import { isFlashError, type WireError } from '../../flasher/errors.js';
import type { JobEvent } from '../../flasher/progress.js';
import type { JobSummary, TargetResult } from '../../flasher/write/job-types.js';
import { runFlash, type FlashSpec } from '../../provisioning/pipeline.js';
import { rawImageSize } from '../helper/helper.js';
import { policyHook, seedHook } from './seed-config.js';
import type { AppFlashJob } from './types.js';

function failed(target: string, error: WireError): TargetResult {
  return { target, ok: false, bytesWritten: 0, verified: false, seconds: 0, error };
}

export async function runFlashDirect(job: AppFlashJob, onEvent: (e: JobEvent) => void, signal: AbortSignal): Promise<JobSummary> {
  const { rendered, ...write } = job;
  const spec: FlashSpec = {
    ...write,
    seed: rendered === undefined ? undefined : seedHook(rendered),
    policyFor: rendered === undefined ? undefined : policyHook(rendered),
  };
  const checks = await assessTargets(spec.targets, {
    imagePath: spec.image,
    imageSize: await rawImageSize(spec.image),
    allowSystemDrive: spec.allowSystemDrive,
    detect3os,
  });
  const refused = new Map<string, TargetResult>();
  for (const c of checks) {
    const r = c.refusals[0];
    if (r !== undefined) refused.set(c.target, failed(c.target, { code: r.code, message: c.refusals.map((x) => x.message).join('; '), target: c.target, phase: 'open' }));
  }
  for (const t of spec.targets) {
    if (refused.has(t)) continue;
    try {
      await prepareTarget(t, { allowSystemDrive: spec.allowSystemDrive });
    } catch (e) {
      if (!isFlashError(e)) throw e;
      refused.set(t, failed(t, e.toJSON()));
    }
  }
  for (const r of refused.values()) onEvent({ kind: 'done', ...r });
  const go = spec.targets.filter((t) => !refused.has(t));
  const at = go.map((t) => spec.targets.indexOf(t));
  const seed = spec.seed;
  const policyFor = spec.policyFor;
  const summary: JobSummary =
    go.length === 0
      ? { image: spec.image, format: 'unknown', imageSize: 0, sha256: undefined, results: [] }
      : await runFlash(
          {
            ...spec,
            targets: go,
            seed: seed === undefined ? undefined : (disk, target, i) => seed(disk, target, at[i] ?? i),
            policyFor: policyFor === undefined ? undefined : (i) => policyFor(at[i] ?? i),
          },
          onEvent,
          { signal },
        );
  const byTarget = new Map(summary.results.map((r) => [r.target, r]));
  const results = spec.targets.map((t) => refused.get(t) ?? byTarget.get(t) ?? failed(t, { code: 'E_CANCELLED', message: `${t} was not written` }));
  return { ...summary, results };
}
