/**
 * Runs the real device agent (assets/agent/3os-agent.sh, serve mode) on one end of a socat
 * pty pair, under dash or busybox ash, with PATH holding ONLY the busybox applets the agent
 * documents, and temp dirs standing in for the root, config and boot partitions. Used by the
 * integration tests and the throughput benchmark. stop() ends every process it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The busybox applets the agent needs (docs/serial-protocol.md §8). */
export const AGENT_APPLETS = [
  'awk', 'base64', 'cat', 'chmod', 'chown', 'cp', 'crc32', 'date', 'grep', 'head', 'ln', 'mkdir', 'mktemp', 'mv', 'od',
  'rm', 'sed', 'sha256sum', 'sleep', 'sort', 'stat', 'stty', 'sync', 'tail', 'touch', 'tr', 'uname', 'wc',
] as const;

/** The agent script: next to the sources, or (compiled, under dist/) one level further up. */
export const AGENT_SCRIPT = [
  fileURLToPath(new URL('../../../assets/agent/3os-agent.sh', import.meta.url)),
  fileURLToPath(new URL('../../../../assets/agent/3os-agent.sh', import.meta.url)),
].find((p) => existsSync(p)) ?? fileURLToPath(new URL('../../../assets/agent/3os-agent.sh', import.meta.url));

export type AgentShell = 'dash' | 'ash';

export interface HarnessOptions {
  readonly shell?: AgentShell;
  /** Extra environment for the agent (THREEOS_*). */
  readonly env?: Readonly<Record<string, string>>;
  /** Lay out the fake partitions before the agent starts. */
  readonly prepare?: (dirs: HarnessDirs) => void;
  /** Leave crc32 out of PATH (tests the awk fallback). */
  readonly withoutCrc32?: boolean;
  /** `serve` on the console (default), or `gadget`: set up the USB gadget, then serve on its TTY (the pty). */
  readonly mode?: 'serve' | 'gadget';
}

export interface HarnessDirs {
  readonly base: string;
  readonly root: string;
  readonly config: string;
  readonly boot: string;
  readonly state: string;
  readonly sys: string;
  readonly log: string;
}

export interface AgentHarness {
  readonly dirs: HarnessDirs;
  /** The pty the host opens. */
  readonly hostPath: string;
  readonly devicePath: string;
  /** The agent's stderr so far. */
  agentStderr(): string;
  /** Stop the agent (not socat); start it again with startAgent(). */
  stopAgent(): Promise<void>;
  startAgent(): void;
  stop(): Promise<void>;
}

function waitExit(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve();
    else p.once('exit', () => resolve());
  });
}

async function kill(p: ChildProcess | undefined): Promise<void> {
  if (p?.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
  try {
    process.kill(-p.pid, 'SIGTERM'); // its own process group (detached): the agent's helpers too
  } catch {
    p.kill('SIGTERM');
  }
  const t = setTimeout(() => {
    try {
      if (p.pid !== undefined) process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 2000);
  await waitExit(p);
  clearTimeout(t);
}

export async function startAgentHarness(opts: HarnessOptions = {}): Promise<AgentHarness> {
  const base = mkdtempSync(join(tmpdir(), '3os-serial-'));
  const d = (n: string): string => {
    const p = join(base, n);
    mkdirSync(p, { recursive: true });
    return p;
  };
  const dirs: HarnessDirs = { base, root: d('root'), config: d('config'), boot: d('boot'), state: join(base, 'state'), sys: d('sys'), log: join(base, 'firstboot.log') };
  const bin = d('bin');
  for (const a of AGENT_APPLETS) if (!(opts.withoutCrc32 && a === 'crc32')) symlinkSync('/bin/busybox', join(bin, a));
  symlinkSync('/bin/busybox', join(bin, 'sh'));
  opts.prepare?.(dirs);
  const hostPath = join(base, 'host.pty');
  const devicePath = join(base, 'device.pty');
  let socat: ChildProcess | undefined;
  let agent: ChildProcess | undefined;
  let stderr = '';
  const stopAll = async (): Promise<void> => {
    await kill(agent);
    await kill(socat);
    rmSync(base, { recursive: true, force: true });
  };
  try {
    socat = spawn('socat', [`pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`], { detached: true, stdio: 'ignore' });
    const spawnError = new Promise<never>((_, reject) => socat?.once('error', (e) => reject(new Error(`socat: ${e.message} (install socat)`))));
    const deadline = Date.now() + 5000;
    while (!(existsSync(hostPath) && existsSync(devicePath))) {
      if (Date.now() > deadline) throw new Error('socat did not create the pty pair');
      await Promise.race([new Promise((r) => setTimeout(r, 20)), spawnError]);
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  const shell = opts.shell === 'ash' ? ['/bin/busybox', 'ash'] : ['/usr/bin/dash'];
  const startAgent = (): void => {
    const [cmd, ...pre] = shell as [string, ...string[]];
    agent = spawn(cmd, [...pre, AGENT_SCRIPT, opts.mode ?? 'serve'], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: bin,
        TMPDIR: base,
        THREEOS_ROOT: dirs.root,
        THREEOS_CONFIG: dirs.config,
        THREEOS_BOOT: dirs.boot,
        THREEOS_STATE: dirs.state,
        THREEOS_SYSROOT: dirs.sys,
        THREEOS_LOG: dirs.log,
        THREEOS_TTY: devicePath,
        THREEOS_GADGET_TTY: devicePath,
        THREEOS_SERVE_WINDOW: '0',
        THREEOS_REBOOT_CMD: `echo rebooted >> ${join(base, 'reboot.log')}`,
        ...opts.env,
      },
    });
    agent.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  };
  startAgent();
  return {
    dirs,
    hostPath,
    devicePath,
    agentStderr: () => stderr,
    stopAgent: () => kill(agent),
    startAgent,
    stop: stopAll,
  };
}

/** Write a file under a harness dir, creating parents. */
export function put(path: string, content: string | Buffer): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
