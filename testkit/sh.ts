/** Run real tools from tests: a small promise wrapper over execFile with clear failures. */
import { execFile, type ExecFileOptions } from 'node:child_process';

export interface ShResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export function sh(cmd: string, args: readonly string[], opts: ExecFileOptions = {}): Promise<ShResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...opts }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 127;
      resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
  });
}

/** Like sh, but throws with the tool's stderr when it fails. */
export async function shOk(cmd: string, args: readonly string[], opts: ExecFileOptions = {}): Promise<string> {
  const r = await sh(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}
