/**
 * `npm run bench`: our engine against the reference tools, measured in the same run on loop
 * devices backed by files (created here, detached at the end), printed as the table of issue 18
 * (ours, the reference, the ratio and the goal per case), then the grow and serial benchmarks.
 * Each case runs the reference and ours alternately BENCH_RUNS times (default 3) and compares the
 * medians; ours is the installed `bin/3os-flash.js`, as a factory script calls it. The machine's
 * load average is printed with the table: other work on the machine slows both sides.
 * Never part of CI's test command. Env: BENCH_SIZE (bytes, default 1 GiB), BENCH_RUNS.
 * `--only zst,xz` (after `npm run bench --`): only the cases whose name contains one of the words;
 * the start-up, RSS and other rows are then left out too.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, row, sh, timed, type Timed } from './util.js';
import { ensureEtcher } from './etcher.js';
import { benchGrow } from './grow.js';
import { benchBackup } from './backup.js';
import { benchSerialThroughput } from '../provisioning/serial/bench.js';
import { attachLoop, detachAll } from '../testkit/loop.js';
import { shScript } from '../testkit/sh.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const SIZE = Number(process.env.BENCH_SIZE ?? GiB);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const bin = fileURLToPath(new URL('../../bin/3os-flash.js', import.meta.url));
const onlyAt = process.argv.indexOf('--only');
const ONLY = onlyAt < 0 ? undefined : (process.argv[onlyAt + 1] ?? '').split(',').filter((w) => w !== '');
/** Whether the case named `name` runs (every case without --only). */
const want = (name: string): boolean => ONLY === undefined || ONLY.some((w) => name.includes(w));
/** GNU time gives every command's peak RSS; without it the RSS rows say so. */
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** A sparse file of `size` bytes on a loop device (testkit's registry: all detached at the end). */
async function loop(file: string, size: number): Promise<string> {
  await shScript(`truncate -s ${size} ${file}`);
  return attachLoop(file);
}

/** Mixed data: random 1 MiB islands, text-like compressible runs, zero runs, half-and-half. */
async function makeMixedImage(path: string, size: number): Promise<void> {
  const fh = await open(path, 'w');
  const text = Buffer.alloc(MiB);
  for (let o = 0, i = 0; o < MiB; i++) o += text.write(`3os flasher benchmark line ${i}\n`, o);
  try {
    for (let off = 0, i = 0; off < size; off += MiB, i++) {
      const kind = i % 4;
      const block = kind === 0 ? randomBytes(MiB) : kind === 1 ? text : kind === 2 ? Buffer.alloc(MiB) : Buffer.concat([randomBytes(MiB / 2), Buffer.alloc(MiB / 2)]);
      await fh.write(block, 0, Math.min(MiB, size - off), off);
    }
  } finally {
    await fh.close();
  }
}

/** Run the CLI as installed (bin/3os-flash.js), under GNU time for its peak RSS when present. */
function ours(args: string[]): Promise<Timed> {
  const cmd = [process.execPath, bin, ...args];
  return gnuTime === undefined ? timed(cmd[0] ?? 'node', cmd.slice(1)) : timed(gnuTime, ['-f', 'MAXRSS=%M', ...cmd]);
}

function check(t: Timed, what: string): Timed {
  if (t.code !== 0) throw new Error(`${what} failed (${t.code}): ${t.stderr.slice(-2000)}`);
  return t;
}

interface Pair {
  readonly ours: number;
  readonly ref: number;
  /** Peak RSS of our runs (KiB), the largest seen. */
  readonly rssKiB: number | undefined;
}

/** Reference and ours alternately, RUNS times each; medians. */
async function pair(what: string, ref: () => Promise<Timed>, mine: () => Promise<Timed>): Promise<Pair | undefined> {
  if (!want(what)) return undefined;
  const r: number[] = [];
  const o: number[] = [];
  let rss: number | undefined;
  for (let i = 0; i < RUNS; i++) {
    r.push(check(await ref(), `${what}: reference`).seconds);
    const t = check(await mine(), `${what}: ours`);
    o.push(t.seconds);
    if (t.maxRssKiB !== undefined) rss = Math.max(rss ?? 0, t.maxRssKiB);
  }
  return { ours: median(o), ref: median(r), rssKiB: rss };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const dir = await mkdtemp(join(tmpdir(), '3os-bench-'));
  const out = (cells: (string | number)[]): void => {
    process.stdout.write(`${row(cells)}\n`);
  };
  const ratioRow = (name: string, ref: string, p: Pair | undefined, goal: string): void => {
    if (p !== undefined) out([name, ref, p.ours.toFixed(2), p.ref.toFixed(2), (p.ours / p.ref).toFixed(2), goal]);
  };
  const dd = (t: string): string => `dd of=${t} bs=4M oflag=direct iflag=fullblock conv=fsync status=none`;
  try {
    const etcher = want('etcher') ? await ensureEtcher() : '';
    const img = join(dir, 'mixed.img');
    process.stderr.write(`making a ${SIZE / MiB} MiB mixed image and its .zst, .xz and 25 % sparse + bmap forms...\n`);
    await makeMixedImage(img, SIZE);
    const sparse = join(dir, 'sparse.img');
    await shScript(
      `zstd -q -T0 -3 -f ${img} -o ${img}.zst && xz -T0 -0 -k -f ${img} && ` +
        `truncate -s ${SIZE} ${sparse} && for i in $(seq 0 4 $(( ${SIZE} / 4194304 - 1 ))); do dd if=${img} of=${sparse} bs=4M skip=$i seek=$i count=1 conv=notrunc status=none; done && ` +
        `bmaptool create -o ${sparse}.bmap ${sparse}`,
    );
    const targets: string[] = [];
    for (let i = 1; i <= 4; i++) targets.push(await loop(join(dir, `t${i}.bin`), SIZE + 64 * MiB));
    const [t1 = ''] = targets;
    const load = loadavg().map((l) => l.toFixed(2)).join(' ');
    process.stdout.write(`\n${SIZE / MiB} MiB image, medians of ${RUNS} alternating runs, load average before: ${load} (${process.env.BENCH_NOTE ?? 'other work on the machine slows both sides'})\n\n`);
    out(['case', 'reference', 'ours (s)', 'reference (s)', 'ratio', 'goal']);
    out(['---', '---', '---', '---', '---', '---']);

    const zstNv = await pair('.zst no verify', () => sh(`zstd -dc ${img}.zst | ${dd(t1)}`), () => ours(['write', `${img}.zst`, '--to', t1, '--yes', '--no-verify']));
    ratioRow('.zst, no verify', '`zstd -dc \\| dd oflag=direct`', zstNv, '<= 1.05');
    const zstV = await pair('.zst verify', () => sh(`zstd -dc ${img}.zst | ${dd(t1)}`), () => ours(['write', `${img}.zst`, '--to', t1, '--yes']));
    ratioRow('.zst, verify', 'the same (no verify)', zstV, '<= 1.4');
    const xzV = await pair('.xz verify', () => sh(`xz -dc -T0 ${img}.xz | ${dd(t1)}`), () => ours(['write', `${img}.xz`, '--to', t1, '--yes']));
    ratioRow('.xz, verify', '`xz -dc -T0 \\| dd`', xzV, '<= 1.1');
    const bmapV = await pair('bmap verify', () => sh(`bmaptool -q copy --bmap ${sparse}.bmap ${sparse} ${t1}`), () => ours(['write', sparse, '--bmap', `${sparse}.bmap`, '--to', t1, '--yes']));
    ratioRow('bmap (25 % mapped), verify', '`bmaptool copy` (no read-back)', bmapV, '<= 1.1');
    const etcherV = await pair('raw verify vs etcher-sdk', () => timed(process.execPath, [etcher, img, t1, String(SIZE + 64 * MiB)]), () => ours(['write', img, '--to', t1, '--yes']));
    ratioRow('raw, verify', 'etcher-sdk write+verify', etcherV, '<= 0.6');
    const ddV = await pair(
      'raw verify vs dd + openssl',
      () => sh(`dd if=${img} of=${t1} bs=4M oflag=direct conv=fsync status=none && dd if=${t1} bs=4M iflag=direct,count_bytes count=${SIZE} status=none | openssl dgst -sha256 >/dev/null`),
      () => ours(['write', img, '--to', t1, '--yes']),
    );
    ratioRow('raw, verify', '`dd` + `openssl dgst -sha256` read-back', ddV, '<= 0.5');
    // tee into named pipes read by dd in the background, and `wait` for every dd (a process
    // substitution would not be waited for).
    const fifos = targets.slice(1).map((_t, i) => join(dir, `fifo${i + 2}`));
    await shScript(`mkfifo ${fifos.join(' ')}`);
    const readers = targets.slice(1).map((t, i) => `dd if=${fifos[i] ?? ''} of=${t} bs=4M oflag=direct iflag=fullblock conv=fsync status=none &`).join(' ');
    const four = await pair(
      '4 targets',
      () => sh(`${readers} zstd -dc ${img}.zst | tee ${fifos.join(' ')} | ${dd(t1)}; s=$?; wait; exit $s`),
      () => ours(['write', `${img}.zst`, ...targets.flatMap((t) => ['--to', t]), '--yes', '--no-verify']),
    );
    ratioRow('4 targets, .zst, no verify', '`zstd -dc \\| tee` into 4 `dd`', four, '<= 0.5');

    if (ONLY !== undefined) return;
    // Start-up: medians of 7 alternating runs of each.
    const starts = { node: [] as number[], bmaptool: [] as number[], version: [] as number[], help: [] as number[] };
    for (let i = 0; i < 7; i++) {
      starts.node.push(check(await timed(process.execPath, ['-e', '0']), 'node -e 0').seconds);
      starts.bmaptool.push(check(await timed('bmaptool', ['--version']), 'bmaptool --version').seconds);
      starts.version.push(check(await timed(process.execPath, [bin, '--version']), '--version').seconds);
      starts.help.push(check(await timed(process.execPath, [bin, '--help']), '--help').seconds);
    }
    const floor = median(starts.node);
    const bt = median(starts.bmaptool);
    for (const [name, xs] of [['--version', starts.version], ['--help', starts.help]] as const) {
      const s = median(xs);
      out([`\`3os-flash ${name}\``, '`node -e 0` (the floor)', s.toFixed(3), floor.toFixed(3), (s / floor).toFixed(2), '<= 2']);
      out([`\`3os-flash ${name}\``, '`bmaptool --version`', s.toFixed(3), bt.toFixed(3), (s / bt).toFixed(2), '<= 2']);
    }
    const mib = (k: number | undefined): string => (k === undefined ? 'n/a (no GNU time)' : (k / 1024).toFixed(0));
    out(['peak RSS, 1 target (MiB; the .zst verify runs)', '', mib(zstV?.rssKiB), '', '', '<= 120']);
    out(['peak RSS, 4 targets (MiB)', '', mib(four?.rssKiB), '', '', '<= 250']);
    process.stdout.write(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n\n`);

    // Other benchmarks: grow on a 256 GiB sparse target; serial throughput to the real agent.
    out(['other case', 'ours', 'reference', 'ratio', 'goal']);
    out(['---', '---', '---', '---', '---']);
    const g = await benchGrow(dir);
    out(['grow, 256 GiB sparse target (s)', g.ours.toFixed(3), g.tools.toFixed(3), (g.ours / g.tools).toFixed(2), 'ours < 1 s']);
    const ser = await benchSerialThroughput({ bytes: 65536, baud: 115200 });
    out(['serial 64 KiB at 115200 (B/s, share of the line)', ser.bytesPerSecond.toFixed(0), '11520', ser.lineUtilisation.toFixed(2), '>= 0.60']);
    // Backup (issue 14): ours against dd | zstd -T0 and bmaptool create + zstd -T0, its own table.
    await benchBackup(dir);
    process.stdout.write(`\nbench took ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  } finally {
    await detachAll().catch((e: unknown) => process.stderr.write(`${String(e)}\n`));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
