/**
 * Parent side of the privileged writer: start the helper (elevated unless we are root), prove the
 * session, send the one job, relay its events, and turn every way it can end into a result or a
 * FlashError. The UI process never runs elevated; only this short-lived helper does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { FlashError, type ErrorCode } from '../../flasher/errors.js';
import type { JobEvent } from '../../flasher/progress.js';
import type { JobPlan } from '../../provisioning/plan/plan.js';
import type { PlanSummary } from '../../provisioning/plan/run-plan.js';
import { planLaunch, type Transport } from './elevation.js';
import { readLines, writeLine } from './lines.js';
import { decodeHelperMessage, encodeMessage, type HelperMessage, type ParentMessage } from './protocol.js';

export interface LaunchOptions {
  /** argv that runs the helper entry unelevated, e.g. [process.execPath, '/app/dist/main/helper/entry.js']. */
  readonly helperCommand: readonly string[];
  /** Extra environment for the helper (passed through /usr/bin/env under pkexec). */
  readonly helperEnv?: Readonly<Record<string, string>> | undefined;
  /** 'auto' (default): elevate unless already root. 'never': run as we are (tests, root CLI). */
  readonly elevate?: 'auto' | 'never' | undefined;
  readonly platform?: NodeJS.Platform | undefined;
  /** Force a transport (default: stdio on Linux, socket on macOS/Windows). */
  readonly transport?: Transport | undefined;
  /** How long to wait for the helper's hello (the user may be typing a password). Default 120 s. */
  readonly connectTimeoutMs?: number | undefined;
  readonly heartbeatMs?: number | undefined;
}

export interface HelperRunOptions extends LaunchOptions {
  readonly signal?: AbortSignal | undefined;
}

interface Channel {
  readonly input: Readable;
  readonly output: Writable;
  close(): void;
}

function waitConnection(server: Server, child: ChildProcess, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new FlashError('E_ELEVATION', 'the helper did not connect in time')), timeoutMs);
    server.once('connection', (s) => {
      clearTimeout(t);
      server.close();
      resolve(s);
    });
    child.once('exit', (code) => {
      // osascript / powershell exit once the helper is launched; only a failure matters here.
      if (code !== 0) {
        clearTimeout(t);
        reject(new FlashError('E_ELEVATION', `could not start the helper with administrator rights (exit ${code})`));
      }
    });
  });
}

function exitError(code: number | null, signal: NodeJS.Signals | null, stderr: string, elevated: boolean): FlashError {
  if (elevated && code === 126) return new FlashError('E_CANCELLED', 'administrator authentication was dismissed');
  if (elevated && code === 127) return new FlashError('E_ELEVATION', `not authorised to write drives (pkexec: ${stderr.trim() || 'no polkit agent?'})`);
  const how = signal !== null ? `signal ${signal}` : `exit ${code}`;
  return new FlashError('E_HELPER', `the writer helper stopped unexpectedly (${how})${stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').slice(-3).join(' / ')}`}`);
}

/** Where the elevated helper connects back (macOS/Windows), or nothing (Linux: its stdio). */
interface Rendezvous {
  readonly server: Server | undefined;
  readonly pipePath: string | undefined;
  cleanup(): Promise<void>;
}

async function listenForHelper(transport: Transport, platform: NodeJS.Platform): Promise<Rendezvous> {
  if (transport !== 'socket') return { server: undefined, pipePath: undefined, cleanup: () => Promise.resolve() };
  let dir: string | undefined;
  let pipePath: string;
  if (platform === 'win32') pipePath = `\\\\.\\pipe\\3os-flash-${randomBytes(16).toString('hex')}`;
  else {
    dir = await fsp.mkdtemp(join(tmpdir(), '3os-helper-'));
    await fsp.chmod(dir, 0o700);
    pipePath = join(dir, 'helper.sock');
  }
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(pipePath, resolve);
  });
  return {
    server,
    pipePath,
    cleanup: async () => {
      server.close();
      if (dir !== undefined) await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

/** The helper's side of the channel: its stdio, or the socket it connected back on. */
async function openChannel(child: ChildProcess, transport: Transport, meet: Rendezvous, connectTimeoutMs: number): Promise<Channel> {
  if (transport === 'stdio') {
    const { stdin, stdout } = child;
    if (stdin === null || stdout === null) throw new FlashError('E_HELPER', 'helper has no stdio');
    stdin.on('error', () => undefined); // EPIPE when it dies: reported through its exit
    return { input: stdout, output: stdin, close: () => stdin.end() };
  }
  const sock = await waitConnection(meet.server as Server, child, connectTimeoutMs);
  sock.on('error', () => undefined);
  return { input: sock, output: sock, close: () => sock.end() };
}

interface Conversation {
  readonly ch: Channel;
  readonly session: string;
  readonly job: JobPlan;
  readonly onEvent: (e: JobEvent) => void;
  readonly opts: HelperRunOptions;
  /** How the helper's exit reads as an error, once it has exited. */
  readonly exitError: () => Promise<FlashError>;
}

/** hello -> job -> events -> result | error, with a heartbeat and cancel; resolves with the summary. */
async function converse(c: Conversation): Promise<PlanSummary> {
  const { ch, session, job, onEvent, opts } = c;
  const send = (m: ParentMessage): Promise<void> => writeLine(ch.output, encodeMessage(m));
  let heartbeat: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<PlanSummary>((resolve, reject) => {
      let helloSeen = false;
      let settled = false;
      const settle = (f: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(helloTimer);
        f();
      };
      const fail = (code: ErrorCode, message: string): void => settle(() => reject(new FlashError(code, message)));
      const helloTimer = setTimeout(() => fail('E_ELEVATION', 'the writer helper did not answer in time'), opts.connectTimeoutMs ?? 120_000);
      const onMessage = (m: HelperMessage): void => {
        switch (m.type) {
          case 'event':
            onEvent(m.event as JobEvent);
            return;
          case 'result':
            settle(() => resolve(m.summary as PlanSummary));
            return;
          case 'error':
            settle(() => reject(FlashError.fromWire(m.error)));
            return;
          case 'pong':
            return;
          case 'hello':
            fail('E_HELPER', 'the helper said hello twice');
            return;
          default: {
            const never: never = m;
            fail('E_HELPER', `unknown message ${JSON.stringify(never)}`);
          }
        }
      };
      readLines(ch.input, {
        line: (text) => {
          const d = decodeHelperMessage(text);
          if (!d.ok) {
            fail('E_HELPER', `malformed message from the helper: ${d.error}`);
            ch.close();
            return;
          }
          const m = d.message;
          if (helloSeen) {
            onMessage(m);
            return;
          }
          if (m.type !== 'hello' || m.token !== session) {
            fail('E_HELPER', 'the helper did not prove the session (wrong or missing hello)');
            ch.close();
            return;
          }
          helloSeen = true;
          clearTimeout(helloTimer);
          void send({ type: 'job', token: session, job });
          heartbeat = setInterval(() => void send({ type: 'ping' }), opts.heartbeatMs ?? 2000);
        },
        overflow: () => fail('E_HELPER', 'the helper sent a line that is too long'),
        end: () => void c.exitError().then((e) => settle(() => reject(e))),
      });
      if (opts.signal !== undefined) {
        onAbort = () => void send({ type: 'cancel' });
        if (opts.signal.aborted) onAbort();
        else opts.signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  } finally {
    if (heartbeat !== undefined) clearInterval(heartbeat);
    if (onAbort !== undefined) opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** Run one job plan in a fresh helper process; resolves with its summary (refused targets are failed results in it). */
export async function runJobInHelper(job: JobPlan, onEvent: (e: JobEvent) => void, opts: HelperRunOptions): Promise<PlanSummary> {
  const platform = opts.platform ?? process.platform;
  const elevate = opts.elevate !== 'never' && !(platform !== 'win32' && process.getuid?.() === 0);
  const transport: Transport = opts.transport ?? (platform === 'linux' ? 'stdio' : 'socket');
  const session = randomBytes(32).toString('hex');
  const meet = await listenForHelper(transport, platform);
  const launch = planLaunch({ platform, elevate, helperCommand: opts.helperCommand, helperEnv: opts.helperEnv, session, parentPid: process.pid, pipePath: meet.pipePath });
  const child = spawn(launch.command, [...launch.args], {
    stdio: [transport === 'stdio' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.helperEnv },
    windowsHide: true,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4096);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: 127, signal: null }));
  });
  let ch: Channel;
  try {
    ch = await openChannel(child, transport, meet, opts.connectTimeoutMs ?? 120_000);
  } catch (e) {
    child.kill();
    await meet.cleanup();
    throw e;
  }
  try {
    return await converse({ ch, session, job, onEvent, opts, exitError: async () => {
      const { code, signal } = await exited;
      return exitError(code, signal, stderr, elevate);
    } });
  } finally {
    ch.close();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    await meet.cleanup();
  }
}
