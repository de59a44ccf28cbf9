/**
 * `3os-flash backup` on real loop devices, judged by the real tools: a used 3os disk (files in
 * its ext4 LV and its config FAT) backed up to .zst/.xz/.gz/raw; bmaptool copy of our bmap and
 * image reproduces every mapped byte and gives a disk that sgdisk -v, vgck, e2fsck -fn and
 * fsck.fat accept with the files in it; zstd -t / xz -t / gzip -t and sha256sum -c pass; a restore
 * with `write` to a bigger file grows it. Then the refusals and faults, the source's sha256
 * unchanged every time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBackup } from '../../../flasher/backup/backup.js';
import { zstdZeroFrame } from '../../../flasher/backup/sink.js';
import { ERROR_CODES, FlashError } from '../../../flasher/errors.js';
import { parseBmap } from '../../../flasher/source/bmap.js';
import { diskUsage } from '../../../provisioning/backup/in-use.js';
import { readAt, sha256Of } from '../../../testkit/file-bytes.js';
import { runCli } from '../../../testkit/cli.js';
import { injectFaults } from '../../../testkit/fault-io.js';
import { attachLoop, detachLoop } from '../../../testkit/loop.js';
import { lvmRun } from '../../../testkit/lvm.js';
import { sh, shOk } from '../../../testkit/sh.js';
import { build3osImage, type Built3os } from '../../../testkit/threeos-image.js';

const MiB = 1024 * 1024;
let dir: string;
let built: Built3os;
let src: string;
let srcSha: string;
/** The containers LV (ext4) of the test image: 1 MiB PE start + etc and home (16 MiB). */
let lvStart: number;
const files: Record<string, Buffer> = {};



/** Every mapped range of the bmap holds the same bytes in both files. */
async function mappedEqual(bmapPath: string, a: string, b: string, offsetB = 0): Promise<number> {
  const bmap = parseBmap(await readFile(bmapPath));
  let n = 0;
  for (const r of bmap.ranges) {
    const s = r.first * bmap.blockSize;
    const len = Math.min((r.last + 1) * bmap.blockSize, bmap.imageSize) - s;
    for (let o = 0; o < len; o += 8 * MiB) {
      const l = Math.min(8 * MiB, len - o);
      const x = await readAt(a, s + o, l);
      const y = await readAt(b, offsetB + s + o, l);
      if (!x.equals(y)) throw new Error(`mapped bytes differ at ${s + o}`);
    }
    n += len;
  }
  return n;
}

async function noLeftovers(prefix: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.startsWith(prefix));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backup-'));
  built = await build3osImage(dir);
  lvStart = built.parts.data.start + 1 * MiB + 16 * MiB;
  // Use the disk: files into the ext4 LV (debugfs, no mount needed) and the config FAT.
  const fs = await attachLoop(built.path, { offset: lvStart, sizeLimit: 32 * MiB });
  try {
    for (const [name, size] of [['app.bin', 3 * MiB], ['notes.txt', 5000], ['big.bin', 6 * MiB]] as const) {
      const data = randomBytes(size);
      files[name] = data;
      await writeFile(join(dir, name), data);
      await shOk('debugfs', ['-w', '-R', `write ${join(dir, name)} ${name}`, fs]);
    }
    expect((await sh('e2fsck', ['-fn', fs])).code).toBe(0);
  } finally {
    await detachLoop(fs);
  }
  await writeFile(join(dir, 'hello.txt'), 'hello from the config partition\n');
  await shOk('mcopy', ['-i', `${built.path}@@${built.parts.config.start}`, join(dir, 'hello.txt'), '::/hello.txt']);
  src = await attachLoop(built.path);
  srcSha = await sha256Of(src);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('backup of a used 3os disk', () => {
  it('stores only what is in use (.zst), and bmaptool copy of it reproduces the disk the tools accept', async () => {
    const out = join(dir, 'card.img.zst');
    const r = await runCli(['backup', src, '--to', out, '--yes']);
    expect(r.err).toContain('3os disk');
    expect(r.code).toBe(0);
    expect((await sh('zstd', ['-tq', out])).code).toBe(0);
    expect((await sh('sha256sum', ['-c', `${out}.sha256`], { cwd: dir })).code).toBe(0);
    const bmap = parseBmap(await readFile(`${out}.bmap`));
    expect(bmap.imageSize).toBe(built.size);
    // The disk is 160 MiB: the in-use map skips the LVM free extents, free ext4 blocks and free FAT clusters.
    expect(bmap.mappedBytes).toBeLessThan(60 * MiB);
    expect(bmap.mappedBytes).toBeGreaterThan(9 * MiB); // the files themselves
    const info = JSON.parse(await readFile(`${out}.backup.json`, 'utf8')) as { source: { path: string }; disk: { is3os: boolean; image: { version: string } }; map: { understood: boolean } };
    expect(info.source.path).toBe(src);
    expect(info.disk.is3os).toBe(true);
    expect(info.disk.image.version).toBe('0.1.0');
    expect(info.map.understood).toBe(true);

    const copy = join(dir, 'bmaptool-copy.img');
    const bt = await sh('bmaptool', ['copy', '--bmap', `${out}.bmap`, out, copy]);
    expect(bt.code, bt.text).toBe(0);
    expect(await mappedEqual(`${out}.bmap`, built.path, copy)).toBe(bmap.mappedBytes);
    const v = await sh('sgdisk', ['-v', copy]);
    expect(v.text).toContain('No problems found');
    const fs = await attachLoop(copy, { offset: lvStart, sizeLimit: 32 * MiB });
    const fsck = await sh('e2fsck', ['-fn', fs]);
    expect(fsck.code, fsck.text).toBe(0);
    for (const [name, data] of Object.entries(files)) {
      const got = await sh('debugfs', ['-R', `cat ${name}`, fs]);
      expect(got.bytes.equals(data), name).toBe(true);
    }
    await detachLoop(fs);
    const pv = await attachLoop(copy, { offset: built.parts.data.start, sizeLimit: built.parts.data.size });
    const ck = await lvmRun(pv, 'vgck', '3os');
    expect(ck.code, ck.text).toBe(0);
    await detachLoop(pv);
    const cfg = await attachLoop(copy, { offset: built.parts.config.start, sizeLimit: built.parts.config.size });
    const fat = await sh('fsck.fat', ['-n', cfg]);
    expect(fat.code, fat.text).toBe(0);
    await detachLoop(cfg);
    const hello = await sh('mtype', ['-i', `${copy}@@${built.parts.config.start}`, '::/hello.txt']);
    expect(hello.stdout).toBe('hello from the config partition\n');
    expect(await sha256Of(src)).toBe(srcSha);
  });

  it('restores with write FILE --to a bigger file: mapped bytes identical, grown, tools clean', async () => {
    const out = join(dir, 'card.img.zst');
    const target = join(dir, 'bigger.img');
    await writeFile(target, Buffer.alloc(0));
    await shOk('truncate', ['-s', String(256 * MiB), target]);
    const w = await runCli(['write', out, '--to', target, '--yes', '--json']);
    expect(w.code, w.out + w.err).toBe(0);
    expect(w.out).toContain('"grown"');
    // write found FILE.bmap beside the backup and wrote only the mapped bytes.
    const mapped = /bmap: (\d+) of (\d+) bytes mapped/.exec(w.out);
    expect(Number(mapped?.[2])).toBe(built.size);
    expect(Number(mapped?.[1])).toBeLessThan(60 * MiB);
    // boot, root-a and root-b: every mapped byte identical (the GPT, the config partition with its
    // grow record and the data partition are what the grow step changes; checked by the tools below).
    const bmap = parseBmap(await readFile(`${out}.bmap`));
    const spans = [built.parts.boot, built.parts.rootA, built.parts.rootB];
    let compared = 0;
    for (const r of bmap.ranges) {
      for (const p of spans) {
        const s = Math.max(r.first * bmap.blockSize, p.start);
        const len = Math.min((r.last + 1) * bmap.blockSize, p.start + p.size) - s;
        if (len <= 0) continue;
        expect((await readAt(built.path, s, len)).equals(await readAt(target, s, len)), `bytes ${s}+${len}`).toBe(true);
        compared += len;
      }
    }
    expect(compared).toBeGreaterThan(0);
    expect((await sh('sgdisk', ['-v', target])).text).toContain('No problems found');
    // The grow step may have grown containers (the last LV, so it stays contiguous): no size limit.
    const fs = await attachLoop(target, { offset: lvStart });
    const fsck = await sh('e2fsck', ['-fn', fs]);
    expect(fsck.code, fsck.text).toBe(0);
    const got = await sh('debugfs', ['-R', 'cat big.bin', fs]);
    expect(got.bytes.equals(files['big.bin'] ?? Buffer.alloc(0))).toBe(true);
    await detachLoop(fs);
    const pv = await attachLoop(target, { offset: built.parts.data.start });
    const ck = await lvmRun(pv, 'vgck', '3os');
    expect(ck.code, ck.text).toBe(0);
    const pvs = await lvmRun(pv, 'pvs', '--noheadings', '--units', 'b', '-o', 'pv_size');
    expect(Number.parseInt(pvs.stdout.trim(), 10)).toBeGreaterThan(built.parts.data.size + 64 * MiB); // grown
    await detachLoop(pv);
  });

  it('zst: long gaps are zstd frames of RLE zero blocks that zstd itself decodes', async () => {
    for (const n of [1, 128 * 1024, 128 * 1024 + 1, 40 * MiB + 3]) {
      const f = join(dir, 'zero.zst');
      await writeFile(f, zstdZeroFrame(n));
      const d = await sh('zstd', ['-dc', f]);
      expect(d.code).toBe(0);
      expect(d.bytes.length).toBe(n);
      expect(d.bytes.every((b) => b === 0)).toBe(true);
    }
  });

  it.each([
    ['card.img.xz', 'xz', ['-t']],
    ['card.img.gz', 'gzip', ['-t']],
  ] as const)('%s: the tool tests it, bmaptool copy reproduces the mapped bytes', async (name, tool, args) => {
    const out = join(dir, name);
    const r = await runCli(['backup', src, '--to', out, '--yes']);
    expect(r.code, r.err).toBe(0);
    expect((await sh(tool, [...args, out])).code).toBe(0);
    const copy = join(dir, `${name}.copy`);
    expect((await sh('bmaptool', ['copy', out, copy])).code).toBe(0); // finds NAME.bmap by itself
    expect(await mappedEqual(`${out}.bmap`, built.path, copy)).toBeGreaterThan(0);
    await rm(copy);
  });

  it('raw: a sparse file with only the mapped bytes allocated', async () => {
    const out = join(dir, 'card.img');
    const r = await runCli(['backup', src, '--to', out, '--yes', '--json']);
    expect(r.code, r.err).toBe(0);
    const st = await stat(out);
    expect(st.size).toBe(built.size);
    expect(st.blocks * 512).toBeLessThan(60 * MiB);
    expect(await mappedEqual(`${out}.bmap`, built.path, out)).toBeGreaterThan(0);
    const copy = join(dir, 'raw.copy');
    expect((await sh('bmaptool', ['copy', out, copy])).code).toBe(0);
    await rm(copy);
  });

  it('inspect BACKUP shows the source device, the time, the 3os image and config', async () => {
    const r = await runCli(['inspect', join(dir, 'card.img.zst')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(src);
    expect(r.out).toContain('0.1.0');
    expect(r.out).toMatch(/backed up: \d{4}-\d\d-\d\d/);
  });
});

describe('backup refusals and faults (the source is never changed)', () => {
  it('an existing output is refused without --force (27), replaced with it', async () => {
    const out = join(dir, 'exists.img.zst');
    await writeFile(out, 'keep me');
    const r = await runCli(['backup', src, '--to', out, '--yes']);
    expect(r.code).toBe(ERROR_CODES.E_OUTPUT_EXISTS);
    expect(await readFile(out, 'utf8')).toBe('keep me');
    const f = await runCli(['backup', src, '--to', out, '--yes', '--force', '--no-verify']);
    expect(f.code, f.err).toBe(0);
    expect((await sh('zstd', ['-tq', out])).code).toBe(0);
  });

  it('EIO in the middle of the source: E_SOURCE_IO with the offset, nothing left behind', async () => {
    const out = join(dir, 'eio.img.zst');
    const faults = injectFaults(new Map([[src, { kind: 'error', op: 'read', at: built.parts.rootA.start + 4096 } as const]]));
    const e = await runBackup({ source: src, output: out, format: 'zst', verify: true }, { usage: diskUsage, wrapIO: faults.wrap }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FlashError);
    expect((e as FlashError).code).toBe('E_SOURCE_IO');
    expect((e as FlashError).offset).toBe(built.parts.rootA.start + 4096);
    expect((e as FlashError).message).toContain('partial backup was removed');
    expect(await noLeftovers('eio.')).toEqual([]);
    expect(await sha256Of(src)).toBe(srcSha);
  });

  it('Ctrl-C (abort): E_CANCELLED (70), nothing left behind', async () => {
    const out = join(dir, 'cancel.img.xz');
    const ac = new AbortController();
    const p = runBackup({ source: src, output: out, format: 'xz', verify: true }, { usage: diskUsage, signal: ac.signal, onEvent: (ev) => (ev.kind === 'progress' ? ac.abort() : undefined) });
    setTimeout(() => ac.abort(), 50);
    const e = await p.catch((x: unknown) => x);
    expect((e as FlashError).code).toBe('E_CANCELLED');
    expect((e as FlashError).exitCode).toBe(70);
    expect(await noLeftovers('cancel.')).toEqual([]);
    expect(await sha256Of(src)).toBe(srcSha);
  });

  it('destination full (a 2 MiB tmpfs): E_OUTPUT_FULL (28), nothing left behind', async () => {
    const mnt = join(dir, 'small');
    await mkdir(mnt);
    await shOk('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
    try {
      const r = await runCli(['backup', src, '--to', join(mnt, 'full.img.zst'), '--yes']);
      expect(r.code, r.err).toBe(ERROR_CODES.E_OUTPUT_FULL);
      expect(r.err).toContain('partial backup was removed');
      expect(await readdir(mnt)).toEqual([]);
      const raw = await runCli(['backup', src, '--to', join(mnt, 'full.img'), '--yes']);
      expect(raw.code, raw.err).toBe(ERROR_CODES.E_OUTPUT_FULL);
      expect(await readdir(mnt)).toEqual([]);
    } finally {
      await shOk('umount', [mnt]);
    }
    expect(await sha256Of(src)).toBe(srcSha);
  });

  it('a source mounted read-write is refused (19); --allow-mounted warns; the output may not be on it (25)', async () => {
    const img = join(dir, 'ext4disk.img');
    await shOk('truncate', ['-s', String(64 * MiB), img]);
    await shOk('mkfs.ext4', ['-q', '-F', img]);
    const dev = await attachLoop(img);
    const mnt = join(dir, 'mnt');
    await mkdir(mnt, { recursive: true });
    await shOk('mount', [dev, mnt]);
    try {
      const r = await runCli(['backup', dev, '--to', join(dir, 'mounted.img.zst'), '--yes']);
      expect(r.code).toBe(ERROR_CODES.E_SOURCE_BUSY);
      expect(r.err).toContain('mounted read-write');
      const onIt = await runCli(['backup', dev, '--to', join(mnt, 'self.img.zst'), '--yes', '--allow-mounted']);
      expect(onIt.code, onIt.err).toBe(ERROR_CODES.E_TARGET_HOLDS_SOURCE);
      expect(await readdir(mnt)).toEqual(['lost+found']);
      const ok = await runCli(['backup', dev, '--to', join(dir, 'mounted.img.zst'), '--yes', '--allow-mounted']);
      expect(ok.code, ok.err).toBe(0);
      expect(ok.err).toContain('may be inconsistent');
    } finally {
      await shOk('umount', [mnt]);
      await detachLoop(dev);
    }
  });

  it('a non-3os disk: falls back to zero detection and says so; bmaptool copy reproduces its data', async () => {
    const img = join(dir, 'plain.img');
    await shOk('truncate', ['-s', String(32 * MiB), img]);
    const fh = await open(img, 'r+');
    const junk = randomBytes(3 * MiB);
    await fh.write(junk, 0, junk.length, 5 * MiB);
    await fh.write(junk, 0, 4096, 20 * MiB + 512);
    await fh.close();
    const dev = await attachLoop(img);
    const before = await sha256Of(dev);
    const out = join(dir, 'plain.img.zst');
    const r = await runCli(['backup', dev, '--to', out, '--yes']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('zero detection');
    const bmap = parseBmap(await readFile(`${out}.bmap`));
    expect(bmap.mappedBytes).toBe(3 * MiB + 2 * 4096);
    const copy = join(dir, 'plain.copy');
    expect((await sh('bmaptool', ['copy', out, copy])).code).toBe(0);
    expect(await sha256Of(copy)).toBe(before);
    expect(await sha256Of(dev)).toBe(before);
    await detachLoop(dev);
  });
});
