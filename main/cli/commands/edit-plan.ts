/**
 * The end of every CLI verb that edits one disk (grow, seed, slot, repair): run its plan
 * through the one runner (guard, edit, release) and print the outcome or the target's error.
 */
import { FlashError } from '../../../flasher/errors.js';
import type { JobPlan } from '../../../provisioning/plan/plan.js';
import { runPlan, type EditDetail, type PlanSummary } from '../../../provisioning/plan/run-plan.js';
import type { guardChoices } from '../guard-flags.js';
import type { CliIO } from '../io.js';

/** The guard's "does this target hold 3os?" probe, loaded (partition, FAT and image.json code) only when the guard asks. */
export async function detect3os(path: string): ReturnType<typeof import('../../../provisioning/detect/detect-3os.js').detect3os> {
  return (await import('../../../provisioning/detect/detect-3os.js')).detect3os(path);
}

export async function runEditPlan(
  plan: Exclude<JobPlan, { kind: 'flash' }>,
  io: CliIO,
  json: boolean,
  guard: ReturnType<typeof guardChoices>,
  show: (d: EditDetail) => { json: unknown; text: string } | undefined,
): Promise<number> {
  const summary = await runPlan(plan, { confirm: guard.confirm, yes: guard.yes, detect3os });
  const [r] = summary.results;
  if (!json) reportNotes(summary, io);
  if (r?.error !== undefined) throw FlashError.fromWire(r.error);
  if (r === undefined || r.detail === undefined) return 0;
  const out = show(r.detail);
  if (out !== undefined) io.out.write(json ? `${JSON.stringify(out.json)}\n` : `${out.text}\n`);
  return 0;
}

/** What the guard and the runner noted per target, for a person: warnings, unmounts, ejects. */
export function reportNotes(summary: PlanSummary, io: CliIO): void {
  for (const w of summary.warnings) io.err.write(`warning: ${w.target}: ${w.message}\n`);
  for (const r of summary.results) {
    if (r.unmounted !== undefined && r.unmounted.length > 0) io.err.write(`${r.target}: unmounted ${r.unmounted.join(', ')}\n`);
    if (r.ejected === true) io.err.write(`${r.target}: ejected, safe to remove\n`);
  }
}
