/**
 * The privileged helper's wire protocol: JSON lines, one typed message per line, validated with
 * zod in both directions (TypeScript types vanish at a process boundary; the helper runs as root
 * and must treat every byte from the parent as untrusted input, and the parent must not trust a
 * helper that misbehaves either).
 *
 * Session: helper -> hello{token}; parent -> job{token, job}; helper -> accepted | refused;
 * helper -> event* ; helper -> result | error; helper exits. The parent may send ping (heartbeat)
 * and cancel at any time. Exactly one job per helper process.
 *
 * Token: a random 32-byte hex string the parent puts on the helper's command line (--session).
 * On Linux the transport is the helper's stdin/stdout, pipes only the parent holds, so the token
 * is not what keeps strangers out; it binds the session (a job is only accepted by the helper
 * started for it, and the parent only talks to a helper that echoes it). On macOS and Windows the
 * transport is a socket / named pipe the elevated helper connects back to, which another local
 * process could also reach: there the token is the authentication, checked in both directions.
 * It is never a TCP port.
 */
import { z } from 'zod';
import { ERROR_CODES, PHASES, type ErrorCode } from '../../flasher/errors.js';
import { PROGRESS_PHASES } from '../../flasher/progress.js';

export const PROTOCOL_VERSION = 1;

/** Exit codes of the helper process (small and stable; not 126/127, which pkexec uses). */
export const HELPER_EXIT = {
  OK: 0,
  JOB_FAILED: 1,
  PROTOCOL: 2,
  REFUSED: 3,
  PARENT_GONE: 4,
  CANCELLED: 5,
  INTERNAL: 6,
} as const;
export type HelperExitCode = (typeof HELPER_EXIT)[keyof typeof HELPER_EXIT];

/** Longest line either side accepts (a job with seeded configs is a few KiB per target; events are small). */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

const errorCode = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);
const phase = z.enum(PHASES);
const progressPhase = z.enum(PROGRESS_PHASES);
const count = z.number().int().nonnegative();
const pathString = z.string().min(1).max(4096).refine((s) => !s.includes('\0'), 'must not contain NUL');

export const wireErrorSchema = z.strictObject({
  code: errorCode,
  message: z.string().max(4096),
  target: z.string().optional(),
  phase: phase.optional(),
  offset: count.optional(),
});

/** A file to seed into the config partition: rendered and validated by the (unprivileged) parent. */
const seedFileSchema = z.strictObject({
  path: z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/).max(255),
  base64: z.string().max(1024 * 1024),
});

export const seedSchema = z.strictObject({ files: z.array(seedFileSchema).min(1).max(16), hostname: z.string().max(253).optional() });

export const writeJobSpecSchema = z.strictObject({
  image: pathString,
  targets: z.array(pathString).min(1).max(64).readonly(),
  bmap: pathString.optional(),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/).optional(),
  verify: z.boolean().optional(),
  allowSystemDrive: z.boolean().optional(),
  /** Grow the 3os data volume after writing (default true). */
  grow: z.boolean().optional(),
  /** Storage policy for the grow step (checked again by provisioning/lvm parseStoragePolicy). */
  policy: z.unknown().optional(),
  /** One seed per target, in target order (null: nothing to seed there). */
  seeds: z.array(seedSchema.nullable()).max(64).optional(),
});

const grownSchema = z.strictObject({ diskSize: count, dataBytes: count, changed: z.boolean() });
const seededSchema = z.strictObject({ files: z.array(z.string()).readonly(), hostname: z.string().optional() });

export const jobEventSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('progress'),
    target: z.string(),
    phase: progressPhase,
    bytes: count,
    total: count.optional(),
    speed: z.number().nonnegative(),
    eta: z.number().nonnegative().optional(),
  }),
  z.strictObject({
    kind: z.literal('done'),
    target: z.string(),
    ok: z.boolean(),
    error: wireErrorSchema.optional(),
    bytesWritten: count,
    verified: z.boolean(),
    seconds: z.number().nonnegative(),
    grown: grownSchema.optional(),
    seeded: seededSchema.optional(),
  }),
  z.strictObject({ kind: z.literal('info'), target: z.string().optional(), message: z.string().max(4096) }),
]);

export const jobSummarySchema = z.strictObject({
  image: z.string(),
  format: z.string(),
  imageSize: count,
  sha256: z.string().optional(),
  results: z.array(
    z.strictObject({
      target: z.string(),
      ok: z.boolean(),
      bytesWritten: count,
      verified: z.boolean(),
      seconds: z.number().nonnegative(),
      error: wireErrorSchema.optional(),
      grown: grownSchema.optional(),
      seeded: seededSchema.optional(),
    }),
  ),
});

const token = z.string().regex(/^[0-9a-f]{64}$/);

const refusalSchema = z.strictObject({
  target: z.string(),
  code: errorCode,
  message: z.string(),
  shortfall: count.optional(),
});

const warningSchema = z.strictObject({ target: z.string(), code: z.string(), message: z.string() });

/** Parent -> helper. */
export const parentMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('job'), token, job: writeJobSpecSchema }),
  z.strictObject({ type: z.literal('cancel') }),
  z.strictObject({ type: z.literal('ping') }),
]);

/** Helper -> parent. */
export const helperMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), protocol: z.literal(PROTOCOL_VERSION), pid: count, token }),
  z.strictObject({ type: z.literal('accepted'), targets: z.array(z.string()), warnings: z.array(warningSchema) }),
  z.strictObject({ type: z.literal('refused'), refusals: z.array(refusalSchema).min(1) }),
  z.strictObject({ type: z.literal('event'), event: jobEventSchema }),
  z.strictObject({ type: z.literal('result'), summary: jobSummarySchema }),
  z.strictObject({ type: z.literal('error'), error: wireErrorSchema }),
  z.strictObject({ type: z.literal('pong') }),
]);

export type ParentMessage = z.infer<typeof parentMessageSchema>;
/** The one job a helper runs: a write job plus the grow and seed steps, as it crosses the wire. */
export type HelperJobSpec = z.infer<typeof writeJobSpecSchema>;
export type HelperMessage = z.infer<typeof helperMessageSchema>;
export type WireRefusal = z.infer<typeof refusalSchema>;

export type Decoded<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly error: string };

function decodeWith<T>(schema: z.ZodType<T>, line: string): Decoded<T> {
  if (Buffer.byteLength(line) > MAX_LINE_BYTES) return { ok: false, error: `line longer than ${MAX_LINE_BYTES} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    return { ok: false, error: `${issue?.message ?? 'invalid'}${where}` };
  }
  return { ok: true, message: r.data };
}

export const decodeParentMessage = (line: string): Decoded<ParentMessage> => decodeWith(parentMessageSchema, line);
export const decodeHelperMessage = (line: string): Decoded<HelperMessage> => decodeWith(helperMessageSchema, line);

/** One line of the wire (undefined fields dropped by JSON). */
export function encodeMessage(m: ParentMessage | HelperMessage): string {
  return `${JSON.stringify(m)}\n`;
}
