/**
 * Real-tool judges for the FAT integration tests: mkfs.fat makes the volumes, fsck.fat -n and
 * mtools check what our writer left behind. Missing tools fail loudly (CI must install
 * dosfstools, mtools, gdisk and util-linux).
 */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

const ENV = { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' };

export interface RunResult {
  readonly status: number;
  readonly stdout: Buffer;
  readonly text: string;
}

/** Run a tool; a tool that cannot be started (not installed) throws. */
export function run(cmd: string, args: readonly string[]): RunResult {
  const r = spawnSync(cmd, args, { env: ENV, maxBuffer: 256 * 1024 * 1024 });
  if (r.error !== undefined) throw new Error(`${cmd} could not run (is it installed?): ${r.error.message}`);
  return { status: r.status ?? -1, stdout: r.stdout, text: `${r.stdout.toString('utf8')}${r.stderr.toString('utf8')}` };
}

export function mustRun(cmd: string, args: readonly string[]): RunResult {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.text}`);
  return r;
}

/**
 * fsck.fat -n must exit 0 and print nothing but its version line and the one-line summary
 * (so no "differs", "free cluster summary", "lost", "duplicate" or any other complaint).
 */
export function expectFsckClean(dev: string): void {
  const r = run('fsck.fat', ['-n', dev]);
  const complaints = r.text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .filter((l) => !/^fsck\.fat \d/u.test(l) && !/: \d+ files, \d+\/\d+ clusters$/u.test(l));
  expect({ status: r.status, complaints }).toEqual({ status: 0, complaints: [] });
}

/** mtools image spec: "IMG" or "IMG@@OFFSET". */
export function mimg(img: string, offset = 0): string {
  return offset === 0 ? img : `${img}@@${offset}`;
}

/** The bytes mtype prints for a file, or undefined when mtools cannot find it. */
export function mtype(img: string, offset: number, path: string): Buffer | undefined {
  const r = run('mtype', ['-i', mimg(img, offset), `::/${path}`]);
  return r.status === 0 ? r.stdout : undefined;
}

/** Every path on the volume as mdir -b -/ lists it ("dir/" for directories), sorted. */
export function mdirAll(img: string, offset: number): string[] {
  const r = mustRun('mdir', ['-b', '-/', '-i', mimg(img, offset), '::/']);
  return r.stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('::/'))
    .map((l) => l.slice(3))
    .sort();
}

/** Free bytes as mdir reports them. */
export function mtoolsFree(img: string, offset: number): number {
  const r = mustRun('mdir', ['-i', mimg(img, offset), '::/']);
  const m = /([\d ]+) bytes free/u.exec(r.stdout.toString('utf8'));
  if (m?.[1] === undefined) throw new Error(`mdir printed no free count:\n${r.text}`);
  return Number(m[1].replace(/ /gu, ''));
}

/** The full mdir listing line of a file in a directory (for short names and times). */
export function mdirLine(img: string, offset: number, dir: string, longName: string): string | undefined {
  const r = mustRun('mdir', ['-i', mimg(img, offset), `::/${dir}`]);
  return r.stdout
    .toString('utf8')
    .split('\n')
    .find((l) => l.trimEnd().endsWith(` ${longName}`) || l.startsWith(`${longName} `));
}

/** Deterministic test bytes. */
export function pattern(len: number, seed: number): Buffer {
  const b = Buffer.alloc(len);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}
