/**
 * The one serializable description of a job that changes disks: a flash (image, targets with
 * their rendered configs and storage policies, verify, bmap, grow, eject) or an edit of one
 * disk (grow, seed, slot, repair). The CLI and the app build a plan; one runner (run-plan.ts)
 * executes it, in-process or inside the privileged helper, whose wire protocol carries it as is
 * (validated with this schema: the helper treats every byte from its parent as untrusted).
 */
import { z } from 'zod';
import { raspberryPiSchema, type RaspberryPiHardware } from '../config/pi-hardware.js';

const pathString = z.string().min(1).max(4096).refine((s) => !s.includes('\0'), 'must not contain NUL');

/** How the guard may treat the targets (flasher/guard): the user's answers, carried to the runner. */
const guardFields = {
  /** Let a drive flagged as a system drive through (it still needs its name typed back). */
  allowSystemDrive: z.boolean().optional(),
  /** The app's own dialog had the user type a system drive's name. */
  systemDriveConfirmed: z.boolean().optional(),
  /** The user let the tool unmount mounted targets. */
  unmount: z.boolean().optional(),
  /** Local files the plan was made from (config, CSV, policy): a target holding one is refused. */
  inputs: z.array(pathString).max(8).optional(),
};

/** A file for the config partition: rendered and validated by the (unprivileged) planner. */
export const seedFileSchema = z.strictObject({
  path: z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/).max(255),
  base64: z.string().max(1024 * 1024),
});

export const seedSchema = z.strictObject({
  files: z.array(seedFileSchema).min(1).max(16),
  hostname: z.string().max(253).optional(),
  /** Digest of the rendered config (for reports; secrets already hashed). */
  digest: z.string().max(128).optional(),
  /** The config's `raspberry_pi` section: the hardware block for config.txt on 3os-boot. */
  piHardware: raspberryPiSchema.optional(),
});

/** One target of a flash and what it gets after the image: its own config and storage policy. */
export const flashTargetSchema = z.strictObject({
  path: pathString,
  seed: seedSchema.optional(),
  /** Storage policy for the grow step (checked by provisioning/config/storage parseStoragePolicy). */
  policy: z.unknown().optional(),
});

export const flashPlanSchema = z.strictObject({
  kind: z.literal('flash'),
  image: pathString,
  targets: z.array(flashTargetSchema).min(1).max(64),
  bmap: pathString.optional(),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/).optional(),
  verify: z.boolean(),
  /** Grow the 3os data volume to fill each disk. */
  grow: z.boolean(),
  /** Eject removable drives afterwards. */
  eject: z.boolean(),
  ...guardFields,
});

export const growPlanSchema = z.strictObject({ kind: z.literal('grow'), target: pathString, policy: z.unknown().optional(), dryRun: z.boolean().optional(), ...guardFields });
export const seedPlanSchema = z.strictObject({ kind: z.literal('seed'), target: pathString, seed: seedSchema, ...guardFields });
export const slotPlanSchema = z.strictObject({ kind: z.literal('slot'), target: pathString, slot: z.enum(['a', 'b']), tries: z.number().int().min(1).max(99).optional(), ...guardFields });
export const repairPlanSchema = z.strictObject({ kind: z.literal('repair'), image: pathString, target: pathString, ...guardFields });

export const jobPlanSchema = z.discriminatedUnion('kind', [flashPlanSchema, growPlanSchema, seedPlanSchema, slotPlanSchema, repairPlanSchema]);

export type SeedFiles = z.infer<typeof seedSchema>;
export type FlashTarget = z.infer<typeof flashTargetSchema>;
export type FlashPlan = z.infer<typeof flashPlanSchema>;
export type GrowPlan = z.infer<typeof growPlanSchema>;
export type SeedPlan = z.infer<typeof seedPlanSchema>;
export type SlotPlan = z.infer<typeof slotPlanSchema>;
export type RepairPlan = z.infer<typeof repairPlanSchema>;
export type JobPlan = z.infer<typeof jobPlanSchema>;

/** Seed files as the plan carries them, from rendered bytes. */
export function seedOf(files: readonly { readonly path: string; readonly data: Uint8Array }[], hostname?: string, digest?: string, piHardware?: RaspberryPiHardware): SeedFiles {
  return { files: files.map((f) => ({ path: f.path, base64: Buffer.from(f.data).toString('base64') })), hostname, digest, ...(piHardware === undefined ? {} : { piHardware }) };
}
