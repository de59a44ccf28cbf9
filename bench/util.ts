/** Benchmark helpers: timing real commands and the peak RSS of a child (tools run untimed through testkit/sh.ts). */
import { spawn } from 'node:child_process';

export interface Timed {
  readonly seconds: number;
  readonly maxRssKiB: number | undefined;
  readonly code: number;
  readonly stderr: string;
}

/** Run a shell pipeline or a command and time it; RSS comes from GNU time when present. */
export function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /MAXRSS=(\d+)/.exec(stderr);
      resolve({ seconds: (performance.now() - t0) / 1000, maxRssKiB: m?.[1] !== undefined ? Number(m[1]) : undefined, code: code ?? -1, stderr });
    });
  });
}

export function sh(script: string): Promise<Timed> {
  return timed('bash', ['-c', `set -o pipefail; ${script}`]);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export function row(cells: readonly (string | number)[]): string {
  return `| ${cells.map(String).join(' | ')} |`;
}
