// Decoded-size probes against files made by the real tools: the xz index (checked against
// `xz --robot --list`), zstd frame headers, the gzip ISIZE trust rule, and zip (incl. zip64).
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shScriptSync } from '../../../testkit/sh.js';
import { gzipIsize, xzDecodedSize } from '../../../flasher/source/size-probe.js';
import { chooseEntry, inspectZipFile } from '../../../flasher/source/zip-source.js';
import { zstdDecodedSize } from '../../../flasher/source/zstd-frames.js';

let dir: string;
const SIZE = 3 * 1024 * 1024 + 777;

const sh = (script: string): string => shScriptSync(script, { cwd: dir }).toString();

async function probe(file: string, f: typeof xzDecodedSize): Promise<number | undefined> {
  const fh = await open(join(dir, file), 'r');
  try {
    return await f(fh, (await fh.stat()).size);
  } finally {
    await fh.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flasher-size-'));
  await writeFile(join(dir, 'img'), Buffer.concat([randomBytes(1 << 20), Buffer.alloc(SIZE - (1 << 20))]));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('xz index', () => {
  const robotTotal = (f: string): number => Number(sh(`xz --robot --list ${f}`).split('\n').find((l) => l.startsWith('totals'))!.split('\t')[4]);

  it('single stream, multi-block stream, and concatenated streams with padding', async () => {
    sh('xz -1 -k -c img > one.xz');
    sh('xz -1 -T0 --block-size=262144 -c img > blocks.xz');
    sh("xz -1 -c img > cat.xz && printf '\\0\\0\\0\\0\\0\\0\\0\\0' >> cat.xz && head -c 5000 img | xz -1 -c >> cat.xz && printf '\\0\\0\\0\\0' >> cat.xz");
    expect(await probe('one.xz', xzDecodedSize)).toBe(SIZE);
    expect(await probe('blocks.xz', xzDecodedSize)).toBe(SIZE);
    expect(await probe('cat.xz', xzDecodedSize)).toBe(SIZE + 5000);
    for (const f of ['one.xz', 'blocks.xz', 'cat.xz']) expect(await probe(f, xzDecodedSize)).toBe(robotTotal(f));
    expect(Number(sh('xz --robot --list blocks.xz').split('\n').find((l) => l.startsWith('totals'))!.split('\t')[2])).toBeGreaterThan(1);
  });

  it('undefined for truncated, padded wrongly or garbage-tailed files', async () => {
    sh('head -c 100000 one.xz > trunc.xz');
    sh("cat one.xz > odd.xz && printf '\\0\\0' >> odd.xz");
    sh("cat one.xz > junk.xz && printf 'JUNKJUNK' >> junk.xz");
    expect(await probe('trunc.xz', xzDecodedSize)).toBeUndefined();
    expect(await probe('odd.xz', xzDecodedSize)).toBeUndefined();
    expect(await probe('junk.xz', xzDecodedSize)).toBeUndefined();
  });
});

describe('zstd frame headers', () => {
  it('sums frame content sizes; undefined when a frame does not record it or the file is cut', async () => {
    sh('zstd -q -c img > one.zst');
    sh('zstd -q -c img > two.zst && head -c 1000 img > small && zstd -q -c small >> two.zst');
    sh('cat img | zstd -q -c --no-content-size > nosize.zst');
    sh('head -c 200000 one.zst > trunc.zst');
    expect(await probe('one.zst', zstdDecodedSize)).toBe(SIZE);
    expect(await probe('two.zst', zstdDecodedSize)).toBe(SIZE + 1000);
    expect(await probe('nosize.zst', zstdDecodedSize)).toBeUndefined();
    expect(await probe('trunc.zst', zstdDecodedSize)).toBeUndefined();
    // the real tool agrees on the single-frame size
    expect(sh('zstd -lv one.zst')).toContain(`(${SIZE} B)`);
  });
});

describe('gzip ISIZE rule', () => {
  it('trusts a plausible trailer', async () => {
    sh('gzip -c img > a.gz');
    expect(await probe('a.gz', gzipIsize)).toBe(SIZE);
    sh('head -c 67108864 /dev/zero | gzip -c > zeros.gz'); // 1000:1, still unambiguous
    expect(await probe('zeros.gz', gzipIsize)).toBe(64 * 1024 * 1024);
  });
  it('refuses a trailer smaller than the file, or one that may have wrapped past 4 GiB', async () => {
    sh('head -c 3000000 /dev/urandom | gzip -c > rnd.gz && head -c 100 /dev/zero | gzip -c >> rnd.gz'); // last member tiny
    expect(await probe('rnd.gz', gzipIsize)).toBeUndefined();
    // 300 MiB of compressed data whose trailer says 400 MiB: 400 MiB + 4 GiB is only a 15:1 ratio.
    const fh = await open(join(dir, 'wrap.gz'), 'w');
    const t = Buffer.alloc(4);
    t.writeUInt32LE(400 * 1024 * 1024);
    await fh.write(t, 0, 4, 300 * 1024 * 1024 - 4);
    await fh.close();
    expect(await probe('wrap.gz', gzipIsize)).toBeUndefined();
  });
});

describe('zip directory', () => {
  it('picks the image entry and reads its sizes (zip and zip64)', async () => {
    sh('printf hello > readme.txt && cp img disk.img && zip -q a.zip readme.txt disk.img && zip -q -fz z64.zip readme.txt disk.img');
    for (const f of ['a.zip', 'z64.zip']) {
      const e = await inspectZipFile(join(dir, f));
      expect(e.name).toBe('disk.img');
      expect(e.size).toBe(SIZE);
      expect(e.entryCount).toBe(2);
      expect(e.method).toBe(8);
      // compressed size as unzip reports it
      const line = sh(`unzip -v ${f}`).split('\n').find((l) => l.endsWith('disk.img'))!;
      expect(e.compressedSize).toBe(Number(line.trim().split(/\s+/)[2]));
    }
    expect(sh('unzip -v z64.zip').length).toBeGreaterThan(0);
  });

  it('chooseEntry prefers .img/.raw/.iso, else the largest, and skips junk', () => {
    const e = (fileName: string, uncompressedSize: number): { fileName: string; uncompressedSize: number } => ({ fileName, uncompressedSize });
    expect(chooseEntry([e('big.bin', 900), e('dir/', 0), e('os.IMG', 10)])?.fileName).toBe('os.IMG');
    expect(chooseEntry([e('a.bin', 5), e('b.bin', 9), e('__MACOSX/._b.img', 4)])?.fileName).toBe('b.bin');
    expect(chooseEntry([e('dir/', 0)])).toBeUndefined();
  });
});
