/**
 * Benchmark of `3os-flash backup` (issue 14): a 4 GiB 3os disk holding ~1 GiB (1.25 GiB of
 * files written into its ext4 LV, 0.25 GiB of them deleted again, so free blocks hold old data
 * as on a used card) backed up by ours, by `dd | zstd -T0`, and by `bmaptool create` + `zstd -T0`
 * (run on the backing file: bmaptool finds holes only in files), in the same run: time, output
 * size and peak RSS (GNU time), ratios ours/reference. Ours runs as installed (bin/3os-flash.js),
 * with and without its read-back verify. Run alone with `node dist/bench/backup.js` (after
 * `npm run build`), or call benchBackup from bench/run.ts. Env: BENCH_RUNS (default 1).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDisk } from '../flasher/disk-io.js';
import { growDisk } from '../provisioning/grow/grow-disk.js';
import { lvByteRange, readPhysicalVolume } from '../provisioning/lvm/index.js';
import { attachLoop, detachAll, detachLoop } from '../testkit/loop.js';
import { shOk, shScript } from '../testkit/sh.js';
import { build3osImage } from '../testkit/threeos-image.js';
import { median, row, timed, type Timed } from './util.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));
const bin = fileURLToPath(new URL('../../bin/3os-flash.js', import.meta.url));
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function withRss(cmd: string, args: readonly string[]): Promise<Timed> {
  return gnuTime === undefined ? timed(cmd, args) : timed(gnuTime, ['-f', 'MAXRSS=%M', cmd, ...args]);
}

function check(t: Timed, what: string): Timed {
  if (t.code !== 0) throw new Error(`${what} failed (${t.code}): ${t.stderr.slice(-2000)}`);
  return t;
}

/** A 4 GiB 3os disk whose containers LV holds ~1 GiB, with deleted data in its free blocks. */
async function makeUsedDisk(dir: string): Promise<{ path: string; dev: string }> {
  const img = await build3osImage(dir, 'bench-backup.img');
  await shOk('truncate', ['-s', String(4 * GiB), img.path]);
  const disk = await openDisk(img.path, { writable: true });
  let lv;
  try {
    await growDisk(disk, { offlineFilesystems: false });
    const pv = await readPhysicalVolume(disk, img.parts.data.start, disk.size - img.parts.data.start - 33 * 512);
    lv = lvByteRange(pv, 'containers');
  } finally {
    await disk.close();
  }
  const [range] = lv;
  if (range === undefined || lv.length !== 1) throw new Error('bench: containers is not one contiguous range');
  const fs = await attachLoop(img.path, { offset: range.start, sizeLimit: range.length });
  const mnt = join(dir, 'mnt');
  try {
    await shOk('e2fsck', ['-fy', fs]).catch(() => undefined);
    await shOk('resize2fs', [fs]);
    await shOk('mkdir', ['-p', mnt]);
    await shOk('mount', [fs, mnt]);
    try {
      const text = Buffer.alloc(MiB);
      for (let o = 0, i = 0; o < MiB; i++) o += text.write(`container layer ${i}: usr/lib/libexample.so.${i % 97}\n`, o);
      // 1.25 GiB in 64 MiB files: half random (already compressed data), half text-like.
      for (let f = 0; f < 20; f++) {
        const parts: Buffer[] = [];
        for (let m = 0; m < 64; m++) parts.push(m % 2 === 0 ? randomBytes(MiB) : text);
        await writeFile(join(mnt, `layer-${f}.bin`), Buffer.concat(parts));
      }
      await shScript(`sync && rm -f ${mnt}/layer-1[6-9].bin && sync`);
    } finally {
      await shOk('umount', [mnt]);
    }
  } finally {
    await detachLoop(fs);
  }
  return { path: img.path, dev: await attachLoop(img.path, { readOnly: true }) };
}

interface Measured {
  readonly seconds: number;
  readonly bytes: number;
  readonly rssKiB: number | undefined;
}

async function measure(what: string, run: () => Promise<Timed>, outputs: readonly string[]): Promise<Measured> {
  const secs: number[] = [];
  let rss: number | undefined;
  for (let i = 0; i < RUNS; i++) {
    for (const o of outputs) await rm(o, { force: true });
    const t = check(await run(), what);
    secs.push(t.seconds);
    if (t.maxRssKiB !== undefined) rss = Math.max(rss ?? 0, t.maxRssKiB);
  }
  let bytes = 0;
  for (const o of outputs) bytes += (await stat(o)).size;
  return { seconds: median(secs), bytes, rssKiB: rss };
}

export interface BackupBench {
  readonly ours: Measured;
  readonly oursNoVerify: Measured;
  readonly ddZstd: Measured;
  readonly bmaptoolZstd: Measured;
}

/** The backup benchmark in `dir`; prints its table to stdout. */
export async function benchBackup(dir: string): Promise<BackupBench> {
  process.stderr.write('making a 4 GiB 3os disk holding ~1 GiB (1.25 GiB written, 0.25 GiB deleted)...\n');
  const { path, dev } = await makeUsedDisk(dir);
  const o = join(dir, 'ours.img.zst');
  const ours = await measure('ours', () => withRss(process.execPath, [bin, 'backup', dev, '--to', o, '--yes', '--force']), [o]);
  const oursNoVerify = await measure('ours --no-verify', () => withRss(process.execPath, [bin, 'backup', dev, '--to', o, '--yes', '--force', '--no-verify']), [o]);
  const d = join(dir, 'dd.img.zst');
  const ddZstd = await measure('dd | zstd -T0', () => withRss('bash', ['-c', `set -o pipefail; dd if=${dev} bs=4M iflag=direct status=none | zstd -T0 -q -f -o ${d}`]), [d]);
  const b = join(dir, 'bt.img.zst');
  const bmaptoolZstd = await measure('bmaptool create + zstd -T0', () => withRss('bash', ['-c', `set -e; bmaptool create -o ${b}.bmap ${path}; zstd -T0 -q -f ${path} -o ${b}`]), [b]);
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  const line = (cells: (string | number)[]): void => void process.stdout.write(`${row(cells)}\n`);
  const mib = (n: number): string => (n / MiB).toFixed(1);
  const rss = (m: Measured): string => (m.rssKiB === undefined ? '?' : `${(m.rssKiB / 1024).toFixed(0)} MiB`);
  process.stdout.write(`\nbackup of a 4 GiB 3os disk holding ~1 GiB, medians of ${RUNS} run(s), load average after: ${load}\n\n`);
  line(['case', 'seconds', 'output (MiB)', 'peak RSS', 'time ratio ours/this', 'size ratio ours/this']);
  line(['---', '---', '---', '---', '---', '---']);
  for (const [name, m] of [
    ['ours: backup (verified)', ours],
    ['ours: backup --no-verify', oursNoVerify],
    ['`dd | zstd -T0`', ddZstd],
    ['`bmaptool create` + `zstd -T0` (backing file)', bmaptoolZstd],
  ] as const) {
    line([name, m.seconds.toFixed(2), mib(m.bytes), rss(m), (ours.seconds / m.seconds).toFixed(2), (ours.bytes / m.bytes).toFixed(2)]);
  }
  process.stdout.write('\ngoal: faster than both references and no bigger than `dd | zstd -T0`\n');
  return { ours, oursNoVerify, ddZstd, bmaptoolZstd };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = await mkdtemp(join(tmpdir(), '3os-bench-backup-'));
  try {
    await benchBackup(dir);
  } finally {
    await detachAll();
    await rm(dir, { recursive: true, force: true });
  }
}
