/**
 * The one way tests and benchmarks run real tools (sgdisk, mkfs.fat, losetup, lvm, xz, ...).
 *
 * - `sh` / `shSync` return the whole result ({code, stdout, stderr, text, bytes}) whatever the exit
 *   status, for tests that judge a tool's verdict (`sgdisk -v`, `fsck.fat -n`, `cmp`).
 * - `shOk` / `shSyncOk` return stdout and throw, with the tool's output, when it exits non-zero.
 * - `shScript` / `shScriptSync` run `sh -c SCRIPT` (pipes, redirections) and return stdout's bytes.
 *
 * A tool that cannot be started (not installed) always throws, naming the tool, so a missing
 * Debian package fails loudly instead of looking like a tool's "no". Every tool runs with a fixed
 * locale (C.UTF-8: English messages, UTF-8 names) and LVM's fd warnings off; `env` adds to that.
 */
import { execFile, spawnSync } from 'node:child_process';

export interface ShResult {
  /** Exit status (a tool killed by a signal: -1). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout then stderr: what a person would have seen on the terminal. */
  readonly text: string;
  /** stdout as bytes (mtype, zstd -dc, ...). */
  readonly bytes: Buffer;
}

export interface ShOptions {
  readonly cwd?: string;
  /** Added to the base environment (process.env, C.UTF-8 locale, LVM_SUPPRESS_FD_WARNINGS=1). */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the tool's stdin. */
  readonly input?: string | Buffer;
  readonly timeoutMs?: number;
}

const MAX_BUFFER = 256 * 1024 * 1024;

function environment(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  return { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', LVM_SUPPRESS_FD_WARNINGS: '1', ...extra };
}

function result(code: number | null, stdout: Buffer, stderr: Buffer): ShResult {
  const out = stdout.toString('utf8');
  const err = stderr.toString('utf8');
  return { code: code ?? -1, stdout: out, stderr: err, text: `${out}${err}`, bytes: stdout };
}

function cannotRun(cmd: string, e: Error): Error {
  return new Error(`${cmd} could not run (is it installed?): ${e.message}`, { cause: e });
}

function failed(cmd: string, args: readonly string[], r: ShResult): Error {
  return new Error(`${cmd} ${args.join(' ')} failed (${r.code}):\n${r.text}`);
}

function asBuffer(x: string | Buffer): Buffer {
  return typeof x === 'string' ? Buffer.from(x, 'utf8') : x;
}

/** Run a tool; resolves with its result whatever its exit status. */
export function sh(cmd: string, args: readonly string[], opts: ShOptions = {}): Promise<ShResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: environment(opts.env), encoding: 'buffer', maxBuffer: MAX_BUFFER, timeout: opts.timeoutMs ?? 0 },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code === 'string') {
          reject(err.code === 'ENOENT' || err.code === 'EACCES' ? cannotRun(cmd, err) : err);
          return;
        }
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve(result(code, stdout, stderr));
      },
    );
    if (opts.input !== undefined) child.stdin?.end(asBuffer(opts.input));
    else child.stdin?.end();
  });
}

/** Run a tool; resolves with its stdout, rejects with its output when it fails. */
export async function shOk(cmd: string, args: readonly string[], opts: ShOptions = {}): Promise<string> {
  const r = await sh(cmd, args, opts);
  if (r.code !== 0) throw failed(cmd, args, r);
  return r.stdout;
}

/** `sh` for synchronous tests. */
export function shSync(cmd: string, args: readonly string[], opts: ShOptions = {}): ShResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: environment(opts.env),
    input: opts.input,
    maxBuffer: MAX_BUFFER,
    timeout: opts.timeoutMs,
  });
  if (r.error !== undefined) throw cannotRun(cmd, r.error);
  return result(r.status, r.stdout, r.stderr);
}

/** `shOk` for synchronous tests. */
export function shSyncOk(cmd: string, args: readonly string[], opts: ShOptions = {}): string {
  const r = shSync(cmd, args, opts);
  if (r.code !== 0) throw failed(cmd, args, r);
  return r.stdout;
}

/** `sh -c SCRIPT` (pipes and redirections); stdout's bytes, throws when the script fails. */
export async function shScript(script: string, opts: ShOptions = {}): Promise<Buffer> {
  const r = await sh('sh', ['-c', script], opts);
  if (r.code !== 0) throw failed('sh -c', [JSON.stringify(script)], r);
  return r.bytes;
}

/** `shScript` for synchronous tests. */
export function shScriptSync(script: string, opts: ShOptions = {}): Buffer {
  const r = shSync('sh', ['-c', script], opts);
  if (r.code !== 0) throw failed('sh -c', [JSON.stringify(script)], r);
  return r.bytes;
}
