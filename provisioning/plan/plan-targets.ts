/**
 * What the runner needs from a plan at run time (its targets, its seed bytes), apart from plan.ts's
 * zod schemas so that running a plan does not load zod: `write` starts fast.
 */
import type { JobPlan, SeedFiles } from './plan.js';

/** The plan's seed files as bytes again. */
export function seedBytes(seed: SeedFiles): { path: string; data: Buffer }[] {
  return seed.files.map((f) => ({ path: f.path, data: Buffer.from(f.base64, 'base64') }));
}

/** The targets a plan touches, in order. */
export function planTargets(plan: JobPlan): string[] {
  return plan.kind === 'flash' ? plan.targets.map((t) => t.path) : [plan.target];
}
