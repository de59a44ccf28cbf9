/**
 * The privileged writer helper's logic, independent of how it was started and of its transport:
 * greet the parent, accept exactly one job, re-check every target with the same safety rules the
 * UI used (the helper runs as root and never trusts the UI's judgement), unmount, run the job,
 * stream its events, report the result, and stop. When the parent goes away (input closed, its
 * pid gone, or no heartbeat for `idleTimeoutMs`) a running job is aborted and the helper exits.
 */
import { timingSafeEqual } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { assessTargets, type TargetAssessment } from '../../flasher/drives/assess.js';
import { detect3os } from '../../provisioning/detect/detect-3os.js';
import { prepareTarget } from '../../flasher/drives/prepare.js';
import { FlashError, isFlashError, sysCode, type ErrorCode } from '../../flasher/errors.js';
import type { JobEvent } from '../../flasher/progress.js';
import type { JobSummary } from '../../flasher/write/job-types.js';
import type { HelperJobSpec } from './protocol.js';
import { readLines, writeLine } from './lines.js';
import {
  HELPER_EXIT,
  PROTOCOL_VERSION,
  decodeParentMessage,
  encodeMessage,
  helperMessageSchema,
  type HelperExitCode,
  type HelperMessage,
  type WireRefusal,
} from './protocol.js';

/** The write engine's entry point, injected (the real one is flasher/write/job.ts). */
export type JobRunner = (spec: HelperJobSpec, onEvent: (e: JobEvent) => void, signal?: AbortSignal) => Promise<JobSummary>;

export interface HelperOptions {
  readonly input: Readable;
  readonly output: Writable;
  /** The session token from the command line (64 hex chars). */
  readonly token: string;
  readonly runJob: JobRunner;
  /** Safety re-check of every target (default: assessTargets with the image's raw size). */
  readonly assess?: ((job: HelperJobSpec) => Promise<readonly TargetAssessment[]>) | undefined;
  /** Make one target writable (default: prepareTarget, which unmounts it). */
  readonly prepare?: ((target: string, job: HelperJobSpec) => Promise<void>) | undefined;
  /** Parent pid to watch (default: none). */
  readonly parentPid?: number | undefined;
  /** Override the parent liveness check (tests). */
  readonly isParentAlive?: (() => boolean) | undefined;
  readonly idleTimeoutMs?: number | undefined;
  readonly parentCheckMs?: number | undefined;
  /** How long an aborted job may take to stop before the helper exits anyway. */
  readonly abortGraceMs?: number | undefined;
  /** Aborting this stops the helper like a lost parent (SIGTERM in the entry file). */
  readonly stop?: AbortSignal | undefined;
  readonly log?: ((message: string) => void) | undefined;
  /**
   * The job did not stop within the grace time after an abort (a syscall stuck in the thread
   * pool: a FIFO source, a dead device). Node's normal exit joins the thread pool and would hang
   * too, so the entry file then ends the process with SIGKILL after flushing.
   */
  readonly onStuckJob?: (() => void) | undefined;
}

const COMPRESSED_MAGIC: readonly Buffer[] = [
  Buffer.from([0x1f, 0x8b]), // gzip
  Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), // xz
  Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), // zstd
  Buffer.from('BZh', 'latin1'), // bzip2
  Buffer.from([0x50, 0x4b, 0x03, 0x04]), // zip
];

/** Size of a local uncompressed image (its decoded size); undefined for URLs and compressed files. */
export async function rawImageSize(image: string): Promise<number | undefined> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(image)) return undefined;
  let fh: fsp.FileHandle | undefined;
  try {
    if (!(await fsp.stat(image)).isFile()) return undefined; // never open a FIFO: that blocks
    fh = await fsp.open(image, 'r');
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    const h = head.subarray(0, bytesRead);
    if (COMPRESSED_MAGIC.some((m) => h.length >= m.length && h.subarray(0, m.length).equals(m))) return undefined;
    return st.size;
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}

async function defaultAssess(job: HelperJobSpec): Promise<readonly TargetAssessment[]> {
  return assessTargets(job.targets, {
    imagePath: job.image,
    imageSize: await rawImageSize(job.image),
    allowSystemDrive: job.allowSystemDrive,
    detect3os,
  });
}

async function defaultPrepare(target: string, job: HelperJobSpec): Promise<void> {
  await prepareTarget(target, { allowSystemDrive: job.allowSystemDrive });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return sysCode(e) === 'EPERM';
  }
}

function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Run one helper session to its end; resolves with the process exit code. */
export function runHelper(o: HelperOptions): Promise<HelperExitCode> {
  const log = o.log ?? ((m: string) => process.stderr.write(`3os-flash helper: ${m}\n`));
  const assess = o.assess ?? defaultAssess;
  const prepare = o.prepare ?? defaultPrepare;
  const idleTimeoutMs = o.idleTimeoutMs ?? 15_000;
  const grace = o.abortGraceMs ?? 5_000;
  const alive = o.isParentAlive ?? (o.parentPid === undefined ? () => true : () => pidAlive(o.parentPid ?? 0));
  const ac = new AbortController();
  let state: 'waiting' | 'busy' | 'done' = 'waiting';
  let lastSeen = Date.now();
  let job: Promise<void> | undefined;
  let cancelled = false;
  /** Set once the helper decided to stop for its own reason: the job's own ending must not override it. */
  let abandoning = false;
  let resolveExit: (code: HelperExitCode) => void = () => undefined;
  const exited = new Promise<HelperExitCode>((r) => (resolveExit = r));

  const send = (m: HelperMessage): Promise<void> => writeLine(o.output, encodeMessage(m));
  const sendError = (code: ErrorCode, message: string): Promise<void> => send({ type: 'error', error: { code, message } });

  const finish = (code: HelperExitCode): void => {
    if (state === 'done') return;
    state = 'done';
    clearInterval(timer);
    stopReading();
    o.stop?.removeEventListener('abort', onStop);
    resolveExit(code);
  };

  const abandon = async (why: string, code: HelperExitCode): Promise<void> => {
    if (state === 'done' || abandoning) return;
    abandoning = true;
    log(why);
    ac.abort();
    if (job !== undefined) {
      let settled = false;
      await Promise.race([job.then(() => (settled = true)), new Promise((r) => setTimeout(r, grace))]);
      if (!settled) {
        log(`the job did not stop within ${grace} ms`);
        o.onStuckJob?.();
      }
    }
    finish(code);
  };

  const protocolError = async (message: string): Promise<void> => {
    if (state === 'done') return;
    await sendError('E_HELPER', message);
    await abandon(`protocol error: ${message}`, HELPER_EXIT.PROTOCOL);
  };

  const runJob = async (spec: HelperJobSpec): Promise<void> => {
    const assessed = await assess(spec);
    const refusals: WireRefusal[] = assessed.flatMap((a) => a.refusals.map((r) => ({ target: a.target, ...r })));
    if (refusals.length > 0) {
      if (abandoning) return;
      await send({ type: 'refused', refusals });
      finish(HELPER_EXIT.REFUSED);
      return;
    }
    if (abandoning) return;
    const warnings = assessed.flatMap((a) => a.warnings.map((w) => ({ target: a.target, code: w.code, message: w.message })));
    await send({ type: 'accepted', targets: assessed.map((a) => a.target), warnings });
    for (const t of spec.targets) {
      if (ac.signal.aborted) break;
      try {
        await prepare(t, spec);
      } catch (e) {
        if (!isFlashError(e)) throw e;
        await send({ type: 'refused', refusals: [{ target: t, code: e.code, message: e.message }] });
        finish(HELPER_EXIT.REFUSED);
        return;
      }
    }
    if (ac.signal.aborted) throw new FlashError('E_CANCELLED', 'cancelled before writing');
    const summary = await o.runJob(
      spec,
      (event) => {
        const m: HelperMessage = { type: 'event', event };
        if (helperMessageSchema.safeParse(JSON.parse(JSON.stringify(m))).success) void send(m);
        else log(`dropped an event that does not fit the protocol: ${JSON.stringify(event)}`);
      },
      ac.signal,
    );
    if (abandoning) return;
    await send({ type: 'result', summary: { ...summary, results: [...summary.results] } });
    if (cancelled || ac.signal.aborted) finish(HELPER_EXIT.CANCELLED);
    else finish(summary.results.every((r) => r.ok) ? HELPER_EXIT.OK : HELPER_EXIT.JOB_FAILED);
  };

  const startJob = (spec: HelperJobSpec): void => {
    state = 'busy';
    job = runJob(spec).catch(async (e: unknown) => {
      if (state === 'done' || abandoning) return;
      if (isFlashError(e)) {
        await send({ type: 'error', error: e.toJSON() });
        finish(e.code === 'E_CANCELLED' ? HELPER_EXIT.CANCELLED : HELPER_EXIT.JOB_FAILED);
      } else {
        log(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        await sendError('E_HELPER', `internal error in the helper: ${e instanceof Error ? e.message : String(e)}`);
        finish(HELPER_EXIT.INTERNAL);
      }
    });
  };

  const onLine = (text: string): void => {
    lastSeen = Date.now();
    if (state === 'done') return;
    const d = decodeParentMessage(text);
    if (!d.ok) {
      void protocolError(`malformed message from the parent: ${d.error}`);
      return;
    }
    const m = d.message;
    switch (m.type) {
      case 'ping':
        void send({ type: 'pong' });
        return;
      case 'cancel':
        cancelled = true;
        if (state === 'waiting') void sendError('E_CANCELLED', 'cancelled before a job was sent').then(() => finish(HELPER_EXIT.CANCELLED));
        else ac.abort();
        return;
      case 'job':
        if (state !== 'waiting') {
          void protocolError('only one job per helper');
          return;
        }
        if (!tokensEqual(m.token, o.token)) {
          void protocolError('session token mismatch');
          return;
        }
        startJob(m.job);
        return;
      default: {
        const never: never = m;
        void protocolError(`unknown message ${JSON.stringify(never)}`);
      }
    }
  };

  const stopReading = readLines(o.input, {
    line: onLine,
    overflow: () => void protocolError('message too long'),
    end: () => void abandon('parent closed the channel: stopping', HELPER_EXIT.PARENT_GONE),
  });
  o.output.on('error', () => void abandon('cannot write to the parent: stopping', HELPER_EXIT.PARENT_GONE));
  const timer = setInterval(() => {
    if (!alive()) void abandon('parent process is gone: stopping', HELPER_EXIT.PARENT_GONE);
    else if (Date.now() - lastSeen > idleTimeoutMs) void abandon(`no heartbeat for ${idleTimeoutMs} ms: stopping`, HELPER_EXIT.PARENT_GONE);
  }, o.parentCheckMs ?? 1000);
  const onStop = (): void => void abandon('asked to stop', HELPER_EXIT.CANCELLED);
  if (o.stop?.aborted === true) onStop();
  o.stop?.addEventListener('abort', onStop, { once: true });

  void send({ type: 'hello', protocol: PROTOCOL_VERSION, pid: process.pid, token: o.token });
  return exited;
}
