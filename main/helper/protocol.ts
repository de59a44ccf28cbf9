/**
 * The privileged helper's wire protocol: JSON lines, one typed message per line, validated with
 * zod in both directions (TypeScript types vanish at a process boundary; the helper runs as root
 * and must treat every byte from the parent as untrusted input, and the parent must not trust a
 * helper that misbehaves either).
 *
 * Session: helper -> hello{token}; parent -> job{token, job: a JobPlan (provisioning/plan)};
 * helper -> event* (a refused target is a `done` event with its error); helper -> result | error;
 * helper exits. The parent may send ping (heartbeat)
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
import { jobPlanSchema } from '../../provisioning/plan/plan.js';

export const PROTOCOL_VERSION = 2;

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

export const wireErrorSchema = z.strictObject({
  code: errorCode,
  message: z.string().max(4096),
  target: z.string().optional(),
  phase: phase.optional(),
  offset: count.optional(),
});

const grownSchema = z.strictObject({ diskSize: count, dataBytes: count, changed: z.boolean() });
const seededSchema = z.strictObject({ files: z.array(z.string()).readonly(), hostname: z.string().optional() });

/** One target's outcome: in `done` events and in the summary. */
const targetResultFields = {
  target: z.string(),
  ok: z.boolean(),
  error: wireErrorSchema.optional(),
  bytesWritten: count,
  verified: z.boolean(),
  seconds: z.number().nonnegative(),
  grown: grownSchema.optional(),
  seeded: seededSchema.optional(),
  /** What an edit verb reports (grow table, slot state, repair result): shown, never acted on. */
  detail: z.record(z.string(), z.unknown()).optional(),
  unmounted: z.array(z.string()).optional(),
  ejected: z.boolean().optional(),
};

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
  z.strictObject({ kind: z.literal('done'), ...targetResultFields }),
  z.strictObject({ kind: z.literal('info'), target: z.string().optional(), message: z.string().max(4096) }),
]);

export const jobSummarySchema = z.strictObject({
  image: z.string(),
  format: z.string(),
  imageSize: count,
  sha256: z.string().optional(),
  results: z.array(z.strictObject(targetResultFields)),
  kind: z.enum(['flash', 'grow', 'seed', 'slot', 'repair']),
  warnings: z.array(z.strictObject({ target: z.string(), code: z.string(), message: z.string() })),
});

const token = z.string().regex(/^[0-9a-f]{64}$/);

/** Parent -> helper. */
export const parentMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('job'), token, job: jobPlanSchema }),
  z.strictObject({ type: z.literal('cancel') }),
  z.strictObject({ type: z.literal('ping') }),
]);

/** Helper -> parent. */
export const helperMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), protocol: z.literal(PROTOCOL_VERSION), pid: count, token }),
  z.strictObject({ type: z.literal('event'), event: jobEventSchema }),
  z.strictObject({ type: z.literal('result'), summary: jobSummarySchema }),
  z.strictObject({ type: z.literal('error'), error: wireErrorSchema }),
  z.strictObject({ type: z.literal('pong') }),
]);

export type ParentMessage = z.infer<typeof parentMessageSchema>;
export type HelperMessage = z.infer<typeof helperMessageSchema>;
export type WireSummary = z.infer<typeof jobSummarySchema>;

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
