/**
 * `npm run bench`: our engine against the reference tools, measured in the same run on loop
 * devices backed by files (created here, detached at the end), printed as a table of ratios.
 * Goals (engine issue): write+verify <= 1.05x dd+sha256sum; bmap <= 1.0x bmaptool; zst/xz <=
 * 1.0x the tool pipelines; 4 targets <= 1.3x one target; peak RSS <= 300 MiB for 4 targets.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { row, sh, timed, type Timed } from './util.js';
import { benchGrow } from './grow.js';
import { benchSerialThroughput } from '../provisioning/serial/bench.js';
import { attachLoop, detachAll } from '../testkit/loop.js';
import { shScript } from '../testkit/sh.js';

const GiB = 1024 ** 3;
const SIZE = Number(process.env.BENCH_SIZE ?? 2 * GiB);
const child = fileURLToPath(new URL('./cli-child.js', import.meta.url));
const env = { ...process.env, UV_THREADPOOL_SIZE: '16' };
/** A sparse file of `size` bytes on a loop device (testkit's registry: all detached at the end). */
async function loop(file: string, size: number): Promise<string> {
  await shScript(`truncate -s ${size} ${file}`);
  return attachLoop(file);
}

/** Mixed data: random 1 MiB islands, text-like compressible runs, zero runs, half-and-half. */
async function makeMixedImage(path: string, size: number): Promise<void> {
  const fh = await open(path, 'w');
  const MB = 2 ** 20;
  const text = Buffer.alloc(MB);
  for (let o = 0, i = 0; o < MB; i++) o += text.write(`3os flasher benchmark line ${i}\n`, o);
  try {
    for (let off = 0, i = 0; off < size; off += MB, i++) {
      const kind = i % 4;
      const block = kind === 0 ? randomBytes(MB) : kind === 1 ? text : kind === 2 ? Buffer.alloc(MB) : Buffer.concat([randomBytes(MB / 2), Buffer.alloc(MB / 2)]);
      await fh.write(block, 0, Math.min(MB, size - off), off);
    }
  } finally {
    await fh.close();
  }
}

function ours(args: string[]): Promise<Timed> {
  return timed(process.execPath, [child, ...args], env);
}

function check(t: Timed, what: string): Timed {
  if (t.code !== 0) throw new Error(`${what} failed (${t.code}): ${t.stderr.slice(-2000)}`);
  return t;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), '3os-bench-'));
  const lines: string[] = [];
  const out = (cells: (string | number)[]): void => {
    lines.push(row(cells));
    process.stdout.write(`${row(cells)}\n`);
  };
  try {
    const img = join(dir, 'mixed.img');
    const mb = SIZE / 2 ** 20;
    process.stderr.write(`making a ${mb} MiB mixed image...\n`);
    // Mixed data: random 1 MiB islands, text-like compressible runs, zero runs.
    await makeMixedImage(img, SIZE);
    const t1 = await loop(join(dir, 't1.bin'), SIZE + 64 * 2 ** 20);
    out(['case', 'ours (s)', 'reference (s)', 'ratio', 'goal']);
    out(['---', '---', '---', '---', '---']);

    // (a) raw write + verify vs dd oflag=direct + sha256sum of the device.
    const refA = check(await sh(`dd if=${img} of=${t1} bs=4M oflag=direct conv=fsync status=none && head -c ${SIZE} ${t1} | sha256sum >/dev/null`), 'dd');
    const ourA = check(await ours(['write', img, '--to', t1, '--yes']), 'ours raw');
    out(['(a) raw write+verify', ourA.seconds.toFixed(2), refA.seconds.toFixed(2), (ourA.seconds / refA.seconds).toFixed(2), '<= 1.05']);

    // (b) 25% mapped + bmap vs bmaptool copy.
    const sparse = join(dir, 'sparse.img');
    await shScript(`truncate -s ${SIZE} ${sparse} && for i in $(seq 0 4 $(( ${SIZE} / 4194304 - 1 ))); do dd if=${img} of=${sparse} bs=4M skip=$i seek=$i count=1 conv=notrunc status=none; done && bmaptool create -o ${sparse}.bmap ${sparse}`);
    const refB = check(await sh(`bmaptool copy --bmap ${sparse}.bmap ${sparse} ${t1} 2>/dev/null`), 'bmaptool');
    const ourB = check(await ours(['write', sparse, '--bmap', `${sparse}.bmap`, '--to', t1, '--yes']), 'ours bmap');
    out(['(b) bmap 25% mapped', ourB.seconds.toFixed(2), refB.seconds.toFixed(2), (ourB.seconds / refB.seconds).toFixed(2), '<= 1.0']);

    // (c) zst and xz vs the tools piped into dd.
    await shScript(`zstd -q -T0 -3 -f ${img} -o ${img}.zst && xz -T0 -3 -k -f ${img}`);
    const refZ = check(await sh(`zstd -dc ${img}.zst | dd of=${t1} bs=4M oflag=direct iflag=fullblock conv=fsync status=none`), 'zstd|dd');
    const ourZ = check(await ours(['write', `${img}.zst`, '--to', t1, '--yes', '--no-verify']), 'ours zst');
    out(['(c) .zst (no verify)', ourZ.seconds.toFixed(2), refZ.seconds.toFixed(2), (ourZ.seconds / refZ.seconds).toFixed(2), '<= 1.0']);
    const refX = check(await sh(`xz -dc -T0 ${img}.xz | dd of=${t1} bs=4M oflag=direct iflag=fullblock conv=fsync status=none`), 'xz|dd');
    const ourX = check(await ours(['write', `${img}.xz`, '--to', t1, '--yes', '--no-verify']), 'ours xz');
    out(['(c) .xz (no verify)', ourX.seconds.toFixed(2), refX.seconds.toFixed(2), (ourX.seconds / refX.seconds).toFixed(2), '<= 1.0']);

    // (d) four targets at once vs one target (zst source, with verify).
    const four = [t1];
    for (let i = 2; i <= 4; i++) four.push(await loop(join(dir, `t${i}.bin`), SIZE + 64 * 2 ** 20));
    const one = check(await ours(['write', `${img}.zst`, '--to', t1, '--yes']), 'ours 1 target');
    const many = check(await ours(['write', `${img}.zst`, ...four.flatMap((t) => ['--to', t]), '--yes']), 'ours 4 targets');
    out(['(d) 4 targets vs 1 (zst, verify)', many.seconds.toFixed(2), one.seconds.toFixed(2), (many.seconds / one.seconds).toFixed(2), '<= 1.3']);
    out(['(d) peak RSS, 4 targets (MiB)', ((many.maxRssKiB ?? 0) / 1024).toFixed(0), '', '', '<= 300']);

    // (e) grow on a 256 GiB sparse target.
    const g = await benchGrow(dir);
    out(['(e) grow, 256 GiB sparse target', g.ours.toFixed(3), g.tools.toFixed(3), (g.ours / g.tools).toFixed(2), 'ours < 1 s']);

    // (f) serial: a 64 KiB payload to the real agent over a pty pair paced at 115200 8N1.
    const ser = await benchSerialThroughput({ bytes: 65536, baud: 115200 });
    out(['(f) serial 64 KiB at 115200 (B/s, share of the line)', ser.bytesPerSecond.toFixed(0), '11520', ser.lineUtilisation.toFixed(2), '>= 0.60']);
  } finally {
    await detachAll().catch((e: unknown) => process.stderr.write(`${String(e)}\n`));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
