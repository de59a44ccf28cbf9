/**
 * The spawned decoders' slab reader (the write pipeline's fast path: the tool's output read
 * straight into caller buffers): the same bytes as the stream for any buffer size, the tool's
 * verdict on a truncated or corrupt file, and never both a stream and a slab reader on one image.
 * Judged against the real zstd and xz.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFlashError } from '../../../flasher/errors.js';
import { openImage } from '../../../flasher/source/open-image.js';
import { builtinZstdFactory } from '../../../flasher/source/zstd-builtin.js';
import type { SlabReader } from '../../../flasher/source/slab-reader.js';
import { shOk } from '../../../testkit/sh.js';
import { makeImage, sha256 } from '../sources-helpers.js';

let dir: string;
let img: string;
let want: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), '3os-slab-'));
  img = join(dir, 'disk.img');
  want = sha256(await makeImage(img, 9));
  await shOk('zstd', ['-q', '-k', img, '-o', `${img}.zst`]);
  await shOk('xz', ['-k', '-T0', '-1', img]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Fill buffers of `size` bytes until the end; returns the hash, or the FlashError. */
async function drainSlab(r: SlabReader, size: number): Promise<{ sha: string | undefined; code: string | undefined }> {
  const h = createHash('sha256');
  const buf = Buffer.alloc(size);
  try {
    for (;;) {
      const n = await r.fill(buf);
      h.update(buf.subarray(0, n));
      if (n < size) return { sha: h.digest('hex'), code: undefined };
    }
  } catch (e) {
    if (isFlashError(e)) return { sha: undefined, code: e.code };
    throw e;
  }
}

describe('slab reader of a spawned decoder', () => {
  // Smaller than one socket read (the spill path), a chunk, and larger than the whole image.
  it.each([
    ['.zst', 1000],
    ['.zst', 2 << 20],
    ['.xz', 3 << 20],
    ['.xz', 16 << 20],
  ])('%s in %i-byte fills: the image byte for byte', async (ext, size) => {
    const image = await openImage(`${img}${ext}`, { hashRaw: false, decoders: { zstd: 'tool', xz: 'tool' } });
    try {
      const r = image.slabReader();
      expect(r).toBeDefined();
      if (r === undefined) return;
      expect(await drainSlab(r, size)).toEqual({ sha: want, code: undefined });
    } finally {
      await image.close();
    }
  });

  it('a truncated .zst ends in E_TRUNCATED and a corrupt one in E_FORMAT_CORRUPT, never a short success', async () => {
    const z = await readFile(`${img}.zst`);
    const trunc = join(dir, 'trunc.img.zst');
    await writeFile(trunc, z.subarray(0, Math.floor(z.length * 0.6)));
    const bad = Buffer.from(z);
    for (let i = 2000; i < 2400; i++) bad[i] = (bad[i] ?? 0) ^ 0x5a;
    const corrupt = join(dir, 'corrupt.img.zst');
    await writeFile(corrupt, bad);
    for (const [file, code] of [[trunc, 'E_TRUNCATED'], [corrupt, 'E_FORMAT_CORRUPT']] as const) {
      const image = await openImage(file, { hashRaw: false, decoders: { zstd: 'tool' } });
      try {
        const r = image.slabReader();
        if (r === undefined) throw new Error('no slab reader');
        expect((await drainSlab(r, 2 << 20)).code).toBe(code);
      } finally {
        await image.close();
      }
    }
  });

  it('is offered only while the stream is untouched, and then the stream is not', async () => {
    const a = await openImage(`${img}.zst`, { hashRaw: false, decoders: { zstd: 'tool' } });
    try {
      expect(a.stream).toBeDefined();
      expect(a.slabReader()).toBeUndefined();
    } finally {
      await a.close();
    }
    const raw = await openImage(img, { hashRaw: false });
    try {
      expect(raw.slabReader()).toBeUndefined();
    } finally {
      await raw.close();
    }
  });

  it('an aborted signal fails a waiting fill with E_CANCELLED', async () => {
    const ac = new AbortController();
    const image = await openImage(`${img}.xz`, { hashRaw: false, signal: ac.signal, decoders: { xz: 'tool' } });
    try {
      const r = image.slabReader();
      if (r === undefined) throw new Error('no slab reader');
      const first = r.fill(Buffer.alloc(64 << 20));
      ac.abort();
      await expect(first).rejects.toMatchObject({ code: 'E_CANCELLED' });
      await expect(r.fill(Buffer.alloc(1024))).rejects.toMatchObject({ code: 'E_CANCELLED' });
    } finally {
      await image.close();
    }
  });
});

describe('zstd decoder choice', () => {
  it('the installed zstd tool by default (faster than the built-in stream, docs/engine.md), with a slab reader', async () => {
    const image = await openImage(`${img}.zst`, { hashRaw: false });
    try {
      expect(image.decoder).toBe('zstd -dc');
      expect(image.slabReader()).toBeDefined();
    } finally {
      await image.close();
    }
  });

  it(`the built-in decoder when asked for: ${builtinZstdFactory() === undefined ? 'refused on this Node (< 22.15)' : 'same bytes'}`, async () => {
    if (builtinZstdFactory() === undefined) {
      await expect(openImage(`${img}.zst`, { decoders: { zstd: 'builtin' } })).rejects.toMatchObject({ code: 'E_FORMAT_UNKNOWN', message: expect.stringContaining('22.15') as unknown });
      return;
    }
    const image = await openImage(`${img}.zst`, { hashRaw: false, decoders: { zstd: 'builtin' } });
    try {
      expect(image.slabReader()).toBeUndefined();
      const h = createHash('sha256');
      for await (const c of image.stream as AsyncIterable<Buffer>) h.update(c);
      expect(h.digest('hex')).toBe(want);
    } finally {
      await image.close();
    }
  });
});
