/**
 * The privileged writer helper's logic, independent of how it was started and of its transport:
 * greet the parent, accept exactly one job plan (provisioning/plan: flash, grow, seed, slot or
 * repair), run it through the one runner, which guards every target itself (the helper runs as
 * root and never trusts the UI's judgement), stream its events, report the result, and stop.
 * When the parent goes away (input closed, its pid gone, or no heartbeat for `idleTimeoutMs`) a
 * running job is aborted and the helper exits.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { isFlashError, sysCode, type ErrorCode } from '../../flasher/errors.js';
import type { JobEvent } from '../../flasher/progress.js';
import type { JobPlan } from '../../provisioning/plan/plan.js';
import type { PlanSummary } from '../../provisioning/plan/run-plan.js';
import { readLines, writeLine } from './lines.js';
import {
  HELPER_EXIT,
  PROTOCOL_VERSION,
  decodeParentMessage,
  encodeMessage,
  helperMessageSchema,
  jobSummarySchema,
  type HelperExitCode,
  type HelperMessage,
  type ParentMessage,
} from './protocol.js';

/** The plan runner, injected (the real one is provisioning/plan/run-plan.ts runPlan). */
export type JobRunner = (plan: JobPlan, onEvent: (e: JobEvent) => void, signal?: AbortSignal) => Promise<PlanSummary>;

export interface HelperOptions {
  readonly input: Readable;
  readonly output: Writable;
  /** The session token from the command line (64 hex chars). */
  readonly token: string;
  readonly runJob: JobRunner;
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

/** One helper session: its state, the one job, and the ways it ends. */
class Session {
  private state: 'waiting' | 'busy' | 'done' = 'waiting';
  private lastSeen = Date.now();
  private job: Promise<void> | undefined;
  private cancelled = false;
  /** Set once the helper decided to stop for its own reason: the job's own ending must not override it. */
  private abandoning = false;
  private readonly ac = new AbortController();
  private readonly log: (m: string) => void;
  private readonly timer: NodeJS.Timeout;
  private readonly stopReading: () => void;
  private readonly onStop = (): void => void this.abandon('asked to stop', HELPER_EXIT.CANCELLED);

  public constructor(
    private readonly o: HelperOptions,
    private readonly resolveExit: (code: HelperExitCode) => void,
  ) {
    this.log = o.log ?? ((m: string) => process.stderr.write(`3os-flash helper: ${m}\n`));
    const alive = o.isParentAlive ?? (o.parentPid === undefined ? () => true : () => pidAlive(o.parentPid ?? 0));
    const idleTimeoutMs = o.idleTimeoutMs ?? 15_000;
    this.stopReading = readLines(o.input, {
      line: (text) => this.onLine(text),
      overflow: () => void this.protocolError('message too long'),
      end: () => void this.abandon('parent closed the channel: stopping', HELPER_EXIT.PARENT_GONE),
    });
    o.output.on('error', () => void this.abandon('cannot write to the parent: stopping', HELPER_EXIT.PARENT_GONE));
    this.timer = setInterval(() => {
      if (!alive()) void this.abandon('parent process is gone: stopping', HELPER_EXIT.PARENT_GONE);
      else if (Date.now() - this.lastSeen > idleTimeoutMs) void this.abandon(`no heartbeat for ${idleTimeoutMs} ms: stopping`, HELPER_EXIT.PARENT_GONE);
    }, o.parentCheckMs ?? 1000);
    if (o.stop?.aborted === true) this.onStop();
    o.stop?.addEventListener('abort', this.onStop, { once: true });
    void this.send({ type: 'hello', protocol: PROTOCOL_VERSION, pid: process.pid, token: o.token });
  }

  private send(m: HelperMessage): Promise<void> {
    return writeLine(this.o.output, encodeMessage(m));
  }

  private sendError(code: ErrorCode, message: string): Promise<void> {
    return this.send({ type: 'error', error: { code, message } });
  }

  private finish(code: HelperExitCode): void {
    if (this.state === 'done') return;
    this.state = 'done';
    clearInterval(this.timer);
    this.stopReading();
    this.o.stop?.removeEventListener('abort', this.onStop);
    this.resolveExit(code);
  }

  private async abandon(why: string, code: HelperExitCode): Promise<void> {
    if (this.state === 'done' || this.abandoning) return;
    this.abandoning = true;
    this.log(why);
    this.ac.abort();
    const grace = this.o.abortGraceMs ?? 5_000;
    if (this.job !== undefined) {
      let settled = false;
      await Promise.race([this.job.then(() => (settled = true)), new Promise((r) => setTimeout(r, grace))]);
      if (!settled) {
        this.log(`the job did not stop within ${grace} ms`);
        this.o.onStuckJob?.();
      }
    }
    this.finish(code);
  }

  private async protocolError(message: string): Promise<void> {
    if (this.state === 'done') return;
    await this.sendError('E_HELPER', message);
    await this.abandon(`protocol error: ${message}`, HELPER_EXIT.PROTOCOL);
  }

  /** Run the plan; events that do not fit the protocol are logged, not sent. */
  private async runJob(plan: JobPlan): Promise<void> {
    const summary = await this.o.runJob(
      plan,
      (event) => {
        const m: HelperMessage = { type: 'event', event };
        if (helperMessageSchema.safeParse(JSON.parse(JSON.stringify(m))).success) void this.send(m);
        else this.log(`dropped an event that does not fit the protocol: ${JSON.stringify(event)}`);
      },
      this.ac.signal,
    );
    if (this.abandoning) return;
    await this.send({ type: 'result', summary: jobSummarySchema.parse(JSON.parse(JSON.stringify(summary))) });
    if (this.cancelled || this.ac.signal.aborted) this.finish(HELPER_EXIT.CANCELLED);
    else if (summary.results.every((r) => r.ok)) this.finish(HELPER_EXIT.OK);
    // REFUSED only when every target was refused (phase open, nothing written): one target that
    // was touched (written, even in part) makes it a failed job.
    else this.finish(summary.results.length > 0 && summary.results.every((r) => !r.ok && r.error?.phase === 'open' && r.bytesWritten === 0) ? HELPER_EXIT.REFUSED : HELPER_EXIT.JOB_FAILED);
  }

  private startJob(plan: JobPlan): void {
    this.state = 'busy';
    this.job = this.runJob(plan).catch(async (e: unknown) => {
      if (this.state === 'done' || this.abandoning) return;
      if (isFlashError(e)) {
        await this.send({ type: 'error', error: e.toJSON() });
        this.finish(e.code === 'E_CANCELLED' ? HELPER_EXIT.CANCELLED : HELPER_EXIT.JOB_FAILED);
      } else {
        this.log(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        await this.sendError('E_HELPER', `internal error in the helper: ${e instanceof Error ? e.message : String(e)}`);
        this.finish(HELPER_EXIT.INTERNAL);
      }
    });
  }

  private onLine(text: string): void {
    this.lastSeen = Date.now();
    if (this.state === 'done') return;
    const d = decodeParentMessage(text);
    if (!d.ok) {
      void this.protocolError(`malformed message from the parent: ${d.error}`);
      return;
    }
    this.onMessage(d.message);
  }

  private onMessage(m: ParentMessage): void {
    switch (m.type) {
      case 'ping':
        void this.send({ type: 'pong' });
        return;
      case 'cancel':
        this.cancelled = true;
        if (this.state === 'waiting') void this.sendError('E_CANCELLED', 'cancelled before a job was sent').then(() => this.finish(HELPER_EXIT.CANCELLED));
        else this.ac.abort();
        return;
      case 'job':
        if (this.state !== 'waiting') void this.protocolError('only one job per helper');
        else if (!tokensEqual(m.token, this.o.token)) void this.protocolError('session token mismatch');
        else this.startJob(m.job);
        return;
      default: {
        const never: never = m;
        void this.protocolError(`unknown message ${JSON.stringify(never)}`);
      }
    }
  }
}

/** Run one helper session to its end; resolves with the process exit code. */
export function runHelper(o: HelperOptions): Promise<HelperExitCode> {
  return new Promise<HelperExitCode>((resolve) => new Session(o, resolve));
}
