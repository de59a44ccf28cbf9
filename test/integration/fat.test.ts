/**
 * The FAT writer judged by real tools: mkfs.fat makes FAT12/16/32 volumes (plain, inside a GPT
 * partition at an offset, on a loop device, with 4 KiB sectors); after every phase of our
 * writing fsck.fat -n must be clean and mtools must read back exactly what we wrote, and our
 * reader must read what mtools wrote.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDisk, type DiskIO } from '../../flasher/disk-io.js';
import { isFlashError } from '../../flasher/errors.js';
import { openFat, type FatVolume } from '../../provisioning/fat/index.js';
import { attachLoop } from '../../testkit/loop.js';
import { shSync, shSyncOk } from '../../testkit/sh.js';
import { expectFsckClean, mdirAll, mdirLine, mtoolsFree, mtype, pattern } from './fat-tools.js';

let work = '';
beforeAll(async () => {
  work = await fsp.mkdtemp(join(tmpdir(), 'fat-it-'));
});
afterAll(async () => {
  await fsp.rm(work, { recursive: true, force: true });
});

/** A volume under test: where it lives, and how fsck.fat gets to see it. */
interface Target {
  readonly img: string;
  readonly offset: number;
  readonly length: number;
  /** Path to open with openDisk (the image, or a loop device). */
  readonly dev: string;
  /** Offset of the volume inside `dev`. */
  readonly devOffset: number;
  fsck(): Promise<void>;
}

async function withVolume<T>(t: Target, fn: (v: FatVolume) => Promise<T>, now?: () => Date): Promise<T> {
  const disk: DiskIO = await openDisk(t.dev, { writable: true });
  try {
    const vol = await openFat(disk, t.devOffset, t.length, now === undefined ? {} : { now });
    const out = await fn(vol);
    await vol.flush();
    return out;
  } finally {
    await disk.close();
  }
}

async function expectCode(p: Promise<unknown>, code: string): Promise<Error> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isFlashError(e) ? e.code : e).toBe(code);
  return e as Error;
}

/** Short, diff-friendly identity of some bytes (vitest would choke diffing MiB-sized Buffers). */
function digest(b: Uint8Array | undefined): string {
  return b === undefined ? 'missing' : `${b.length}:${createHash('sha256').update(b).digest('hex').slice(0, 16)}`;
}

async function sha(path: string): Promise<string> {
  return createHash('sha256').update(await fsp.readFile(path)).digest('hex');
}

/** fsck.fat on the bytes of a partition inside a bigger image (it has no offset option). */
async function fsckRange(img: string, offset: number, length: number): Promise<void> {
  const fh = await fsp.open(img, 'r');
  const part = join(work, `part-${Date.now()}.img`);
  try {
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, offset);
    await fsp.writeFile(part, buf);
    expectFsckClean(part);
  } finally {
    await fh.close();
    await fsp.rm(part, { force: true });
  }
}

function plainTarget(img: string, length: number): Target {
  return { img, offset: 0, length, dev: img, devOffset: 0, fsck: () => Promise.resolve(expectFsckClean(img)) };
}

function mkfs(name: string, fatBits: 12 | 16 | 32, kib: number, extra: string[] = []): Target {
  const img = join(work, name);
  shSyncOk('mkfs.fat', ['-C', '-F', String(fatBits), '-n', '3OS-CONFIG', ...extra, img, String(kib)]);
  return plainTarget(img, kib * 1024);
}

/** Test-side FAT entry writer (independent of ours): used to corrupt a chain. */
async function pokeFat(img: string, offset: number, cluster: number, value: number): Promise<void> {
  const fh = await fsp.open(img, 'r+');
  try {
    const bs = Buffer.alloc(512);
    await fh.read(bs, 0, 512, offset);
    const bps = bs.readUInt16LE(11);
    const rsv = bs.readUInt16LE(14);
    const nf = bs[16] ?? 0;
    const fatSz = bs.readUInt16LE(22) || bs.readUInt32LE(36);
    const fat32 = bs.readUInt16LE(22) === 0;
    const totalKiB = ((bs.readUInt16LE(19) || bs.readUInt32LE(32)) * bps) / 1024;
    const fat12 = !fat32 && totalKiB < 2048 && bs.toString('latin1', 54, 59) === 'FAT12';
    for (let i = 0; i < nf; i++) {
      const base = offset + (rsv + i * fatSz) * bps;
      if (fat32) {
        const b = Buffer.alloc(4);
        b.writeUInt32LE(value);
        await fh.write(b, 0, 4, base + cluster * 4);
      } else if (!fat12) {
        const b = Buffer.alloc(2);
        b.writeUInt16LE(value);
        await fh.write(b, 0, 2, base + cluster * 2);
      } else {
        const at = base + cluster + (cluster >> 1);
        const b = Buffer.alloc(2);
        await fh.read(b, 0, 2, at);
        const w = b.readUInt16LE(0);
        b.writeUInt16LE(cluster & 1 ? (w & 0x000f) | (value << 4) : (w & 0xf000) | value);
        await fh.write(b, 0, 2, at);
      }
    }
  } finally {
    await fh.close();
  }
}

/** First cluster of a file as mshowfat reports it ("::/path <3-7>"). */
function firstCluster(t: Target, path: string): number {
  const m = /<(\d+)/u.exec(shSyncOk('mshowfat', ['-i', t.offset ? `${t.img}@@${t.offset}` : t.img, `::/${path}`]));
  return Number(m?.[1]);
}

const NOW = new Date(2031, 1, 3, 4, 5, 6);
const MANY = 30;

/** The whole life of a config volume, checked by fsck.fat and mtools after every phase. */
async function scenario(t: Target, type: 'FAT12' | 'FAT16' | 'FAT32'): Promise<void> {
  const off = t.offset;
  const expected = new Map<string, Buffer>();
  const dirs = new Set<string>();
  const check = async (): Promise<void> => {
    await t.fsck();
    for (const [p, data] of expected) expect(digest(mtype(t.img, off, p)), p).toBe(digest(data));
    const want = [...[...expected.keys()], ...[...dirs].map((d) => `${d}/`)].sort();
    expect(mdirAll(t.img, off)).toEqual(want);
    const free = await withVolume(t, (v) => v.freeBytes());
    expect(free).toBe(mtoolsFree(t.img, off));
  };

  // A. mtools writes, we read.
  const fromMtools = pattern(3000, 1);
  const src = join(work, 'mtools-src.bin');
  await fsp.writeFile(src, fromMtools);
  const mi = off ? `${t.img}@@${off}` : t.img;
  shSyncOk('mcopy', ['-i', mi, src, '::/Hello From Mtools.txt']);
  shSyncOk('mmd', ['-i', mi, '::/mdir1']);
  shSyncOk('mcopy', ['-i', mi, src, '::/mdir1/x.txt']);
  expected.set('Hello From Mtools.txt', fromMtools);
  expected.set('mdir1/x.txt', fromMtools);
  dirs.add('mdir1');
  await withVolume(t, async (v) => {
    expect(v.type).toBe(type);
    expect(v.label).toBe('3OS-CONFIG');
    expect(await v.readFile('Hello From Mtools.txt')).toEqual(fromMtools);
    expect(await v.readFile('hello from MTOOLS.TXT')).toEqual(fromMtools);
    expect(await v.readFile('HELLOF~1.TXT')).toEqual(fromMtools);
    expect(await v.readFile('MDIR1/X.TXT')).toEqual(fromMtools);
    expect((await v.list('mdir1')).map((e) => e.name)).toEqual(['x.txt']);
    expect(await v.readFile('nope.txt')).toBeUndefined();
    expect(await v.exists('mdir1')).toBe(true);
  });
  await check();

  // B. We write: nested dirs, long and non-ASCII names, ~N tails, a directory of several clusters.
  const files: [string, Buffer][] = [
    ['3os/config.yaml', Buffer.from('version: 1\nhostname: edge-001\n')],
    ['3os/image.json', Buffer.from('{"flavor":"fedora"}\n')],
    ['a/b/c/d/deep file with a long name.txt', pattern(5000, 2)],
    ['Größe.txt', pattern(10, 3)],
    ['empty.txt', Buffer.alloc(0)],
    ['UPPER.TXT', Buffer.from('upper')],
  ];
  for (let i = 1; i <= MANY; i++) files.push([`many/Long Name Number ${i}.txt`, pattern(100 + i, 10 + i)]);
  await withVolume(
    t,
    async (v) => {
      await expectCode(v.writeFile('nodir/x.txt', Buffer.from('x')), 'E_FAT');
      for (const [p, data] of files) await v.writeFile(p, data, { mkdirs: true });
      expect(await v.readFile('3OS/Config.YAML')).toEqual(files[0]?.[1]);
      const many = await v.list('many');
      expect(many).toHaveLength(MANY);
      expect(new Set(many.map((e) => e.shortName)).size).toBe(MANY);
      expect(many.find((e) => e.name === 'Long Name Number 10.txt')?.shortName).toBe('LONGN~10.TXT');
      expect((await v.stat('Größe.txt'))?.modified).toEqual(new Date(2031, 1, 3, 4, 5, 6));
    },
    () => NOW,
  );
  for (const [p, data] of files) expected.set(p, data);
  for (const d of ['3os', 'a', 'a/b', 'a/b/c', 'a/b/c/d', 'many']) dirs.add(d);
  await check();
  expect(mdirLine(t.img, off, '', 'Größe.txt')).toMatch(/^GR__E~1\s+TXT\s+10 2031-02-03\s+4:05\s+Größe\.txt/u);
  expect(mdirLine(t.img, off, '', 'UPPER')).toMatch(/^UPPER\s+TXT\s+5 /u);
  expect(mdirLine(t.img, off, 'many', 'Long Name Number 1.txt')).toMatch(/^LONGNA~1 TXT/u);

  // C. Replace with a bigger, then a smaller file (also through another spelling of the name).
  const bigger = pattern(7000, 4);
  await withVolume(t, (v) => v.writeFile('3os/config.yaml', bigger));
  expected.set('3os/config.yaml', bigger);
  await check();
  const smaller = Buffer.from('version: 1\n');
  await withVolume(t, (v) => v.writeFile('3OS/CONFIG.YAML', smaller));
  expected.set('3os/config.yaml', smaller);
  await check();
  await withVolume(t, async (v) => {
    await v.writeFile('empty.txt', pattern(600, 5));
    await v.writeFile('UPPER.TXT', Buffer.alloc(0));
  });
  expected.set('empty.txt', pattern(600, 5));
  expected.set('UPPER.TXT', Buffer.alloc(0));
  await check();

  // D. Delete (ours and mtools' files), then reuse the freed slots.
  await withVolume(t, async (v) => {
    expect(await v.deleteFile('Größe.txt')).toBe(true);
    expect(await v.deleteFile('many/long name number 3.txt')).toBe(true);
    expect(await v.deleteFile('Hello From Mtools.txt')).toBe(true);
    expect(await v.deleteFile('Hello From Mtools.txt')).toBe(false);
    await expectCode(v.deleteFile('many'), 'E_FAT');
  });
  for (const p of ['Größe.txt', 'many/Long Name Number 3.txt', 'Hello From Mtools.txt']) expected.delete(p);
  await check();
  expect(mtype(t.img, off, 'Größe.txt')).toBeUndefined();
  await withVolume(t, (v) => v.writeFile('many/A new one with a long name.txt', pattern(1234, 6)));
  expected.set('many/A new one with a long name.txt', pattern(1234, 6));
  await check();

  // E. Too big: E_FAT_FULL, nothing changed; then fill almost all of it.
  const before = await sha(t.img);
  await withVolume(t, async (v) => {
    const free = await v.freeBytes();
    const e = await expectCode(v.writeFile('big.bin', Buffer.alloc(free + 1)), 'E_FAT_FULL');
    expect(e.message).toMatch(/need \d+ bytes, \d+ bytes free/u);
    expect(e.message).toContain(`${free} bytes free`);
    await expectCode(v.writeFile('3os/config.yaml', Buffer.alloc(free + 1)), 'E_FAT_FULL');
    await expectCode(v.writeFile('new/dir/big.bin', Buffer.alloc(free), { mkdirs: true }), 'E_FAT_FULL');
    expect(await v.freeBytes()).toBe(free);
  });
  expect((await sha(t.img))).toBe(before);
  await check();
  const fill = pattern((await withVolume(t, (v) => v.freeBytes())) - 8192, 7);
  await withVolume(t, (v) => v.writeFile('fill.bin', fill));
  expected.set('fill.bin', fill);
  await check();

  // F. A loop in a chain: E_FAT on every operation that follows it, no hang, nothing written.
  const victim = 'a/b/c/d/deep file with a long name.txt';
  const c0 = firstCluster(t, victim);
  expect(c0).toBeGreaterThanOrEqual(2);
  await pokeFat(t.img, off, c0 + 1, c0);
  const corrupt = await sha(t.img);
  await withVolume(t, async (v) => {
    await expectCode(v.readFile(victim), 'E_FAT');
    await expectCode(v.writeFile(victim, Buffer.from('x')), 'E_FAT');
    await expectCode(v.deleteFile(victim), 'E_FAT');
    expect(await v.readFile('3os/config.yaml')).toEqual(smaller);
  });
  expect((await sha(t.img))).toBe(corrupt);
}

describe('FAT writer against mkfs.fat, fsck.fat and mtools', () => {
  it('FAT12 (512-byte clusters)', async () => {
    const t = mkfs('fat12.img', 12, 1600, ['-s', '1']);
    await scenario(t, 'FAT12');
  });

  it('FAT16 (2 KiB clusters)', async () => {
    const t = mkfs('fat16.img', 16, 20 * 1024, ['-s', '4']);
    await scenario(t, 'FAT16');
  });

  it('FAT32 (512-byte clusters, root directory in a chain)', async () => {
    const t = mkfs('fat32.img', 32, 40 * 1024, ['-s', '1']);
    await scenario(t, 'FAT32');
  });

  it('FAT16 with 4096-byte sectors', async () => {
    const t = mkfs('fat16-4k.img', 16, 40 * 1024, ['-S', '4096', '-s', '1']);
    await scenario(t, 'FAT16');
  });

  it('FAT16 inside a GPT partition at an offset of a bigger image', async () => {
    const img = join(work, 'gpt.img');
    await fsp.writeFile(img, Buffer.alloc(0));
    await fsp.truncate(img, 48 * 1024 * 1024);
    shSyncOk('sgdisk', ['-n', '1:2048:+36M', '-c', '1:3os-config', '-t', '1:0700', img]);
    const info = shSyncOk('sfdisk', ['--json', img]);
    const part = (JSON.parse(info) as { partitiontable: { partitions: { start: number; size: number }[] } }).partitiontable.partitions[0];
    if (part === undefined) throw new Error('no partition');
    const offset = part.start * 512;
    const length = part.size * 512;
    shSyncOk('mkfs.fat', ['-F', '16', '-n', '3OS-CONFIG', `--offset=${part.start}`, img, String(length / 1024)]);
    const t: Target = { img, offset, length, dev: img, devOffset: offset, fsck: () => fsckRange(img, offset, length) };
    await scenario(t, 'FAT16');
    const v = shSync('sgdisk', ['-v', img]);
    expect(v.code).toBe(0);
    expect(v.text).toMatch(/No problems found/u);
  });

  it('FAT32 in a partition attached as a loop device', async () => {
    const img = join(work, 'loop.img');
    await fsp.writeFile(img, Buffer.alloc(0));
    await fsp.truncate(img, 64 * 1024 * 1024);
    shSyncOk('sgdisk', ['-n', '1:2048:+48M', '-c', '1:3os-config', '-t', '1:0700', img]);
    const offset = 2048 * 512;
    const length = 48 * 1024 * 1024;
    shSyncOk('mkfs.fat', ['-F', '32', '-s', '1', '-n', '3OS-CONFIG', `--offset=2048`, img, String(length / 1024)]);
    const loop = await attachLoop(img, { offset, sizeLimit: length });
    const t: Target = { img, offset, length, dev: loop, devOffset: 0, fsck: () => Promise.resolve(expectFsckClean(loop)) };
    await scenario(t, 'FAT32');
  });

  it('a full FAT12 root directory is a clear E_FAT_FULL; subdirectories still work', async () => {
    const t = mkfs('root16.img', 12, 1024, ['-r', '16']);
    const written: string[] = [];
    await withVolume(t, async (v) => {
      await v.mkdir('sub');
      let err: unknown;
      for (let i = 0; i < 40 && err === undefined; i++) {
        await v.writeFile(`file ${i}.txt`, Buffer.from(`n${i}`)).then(
          () => written.push(`file ${i}.txt`),
          (e: unknown) => (err = e),
        );
      }
      expect(isFlashError(err) ? [err.code, err.message] : err).toEqual(['E_FAT_FULL', expect.stringMatching(/root directory is full/u)]);
      await v.writeFile('sub/after.txt', Buffer.from('after'));
    });
    // 16 slots: the label, "sub" (long name + short entry), then 2 slots per file.
    expect(written).toHaveLength(6);
    await t.fsck();
    expect(mtype(t.img, 0, 'sub/after.txt')?.toString()).toBe('after');
    for (const [i, p] of written.entries()) expect(mtype(t.img, 0, p)?.toString()).toBe(`n${i}`);
  });
});
