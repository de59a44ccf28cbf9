// The zstd frame splitter on files made by the real zstd: frame boundaries found in any chunking,
// skippable frames dropped, and the per-frame decoder (here with `zstd -dc` per frame, since Node 20
// has no built-in zstd) reproducing the source, or failing with E_TRUNCATED / E_FORMAT_CORRUPT.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shScriptSync } from '../../../testkit/sh.js';
import { isFlashError } from '../../../flasher/errors.js';
import { builtinZstdFactory, framedZstdDecoder } from '../../../flasher/source/zstd-builtin.js';
import { ZstdFrameScanner } from '../../../flasher/source/zstd-frames.js';

let dir: string;
let parts: Buffer[];
let file: Buffer;
let frameFiles: Buffer[];

const sh = (script: string): Buffer => shScriptSync(script, { cwd: dir });

function skippable(n: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(0x184d2a53, 0);
  h.writeUInt32LE(n, 4);
  return Buffer.concat([h, randomBytes(n)]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flasher-zstd-'));
  parts = [
    Buffer.concat([randomBytes(300_000), Buffer.alloc(700_000)]),
    Buffer.alloc(0),
    Buffer.concat([Buffer.alloc(200_000, 7), randomBytes(50_000)]),
  ];
  const flags = ['-3', '-1 --no-check', '-19 --long=24'];
  frameFiles = [];
  for (let i = 0; i < parts.length; i++) {
    await writeFile(join(dir, `p${i}`), parts[i]!);
    sh(`zstd -q ${flags[i]!} -c p${i} > p${i}.zst`);
    frameFiles.push(await readFile(join(dir, `p${i}.zst`)));
  }
  file = Buffer.concat([skippable(10), frameFiles[0]!, skippable(0), frameFiles[1]!, frameFiles[2]!, skippable(3)]);
  await writeFile(join(dir, 'all.zst'), file);
  // The real tool accepts the assembled file and decodes it to the concatenation.
  expect(sh('zstd -dc --long=24 all.zst').equals(Buffer.concat(parts))).toBe(true);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function chunked(b: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  let i = 0;
  while (at < b.length) {
    const n = sizes[i++ % sizes.length]!;
    out.push(b.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('ZstdFrameScanner', () => {
  for (const sizes of [[1], [2, 3, 5, 7], [4096], [1 << 20]]) {
    it(`splits frames exactly with chunks of ${sizes.join('/')} bytes`, () => {
      const scanner = new ZstdFrameScanner();
      const frames: Buffer[] = [];
      let cur: Buffer[] = [];
      let skipped = 0;
      for (const c of chunked(file, sizes)) {
        for (const p of scanner.feed(c)) {
          if (p.kind === 'skip') {
            skipped += p.data.length;
            continue;
          }
          cur.push(p.data);
          if (p.end) {
            frames.push(Buffer.concat(cur));
            cur = [];
          }
        }
      }
      expect(scanner.atBoundary()).toBe(true);
      expect(scanner.frames).toBe(3);
      expect(frames.map((f) => f.length)).toEqual(frameFiles.map((f) => f.length));
      frames.forEach((f, i) => expect(f.equals(frameFiles[i]!)).toBe(true));
      expect(skipped).toBe(8 + 10 + 8 + 8 + 3);
    });
  }

  it('knows when input stops inside a frame, and rejects a non-frame', () => {
    const s = new ZstdFrameScanner();
    s.feed(file.subarray(0, 5000));
    expect(s.atBoundary()).toBe(false);
    expect(() => new ZstdFrameScanner().feed(Buffer.from('not zstd at all'))).toThrow(/no zstd frame/);
  });
});

/** A per-frame decoder made of the real tool, standing in for zlib's (absent on Node 20). */
function toolFrameDecoder(): Duplex {
  const child = spawn('zstd', ['-dc', '-q', '--long=31'], { stdio: ['pipe', 'pipe', 'ignore'] });
  return Duplex.from({ writable: child.stdin, readable: child.stdout });
}

async function decode(input: Buffer, sizes: readonly number[], factory: () => Duplex): Promise<{ sha?: string; code?: string }> {
  const h = createHash('sha256');
  try {
    for await (const c of framedZstdDecoder(Readable.from(chunked(input, sizes)), factory) as AsyncIterable<Buffer>) h.update(c);
    return { sha: h.digest('hex') };
  } catch (e) {
    if (isFlashError(e)) return { code: e.code };
    throw e;
  }
}

describe('framedZstdDecoder', () => {
  const want = (): string => createHash('sha256').update(Buffer.concat(parts)).digest('hex');

  it('decodes a multi-frame file with skippable frames, one decoder per frame', async () => {
    let made = 0;
    const r = await decode(file, [65536], () => {
      made++;
      return toolFrameDecoder();
    });
    expect(r.sha).toBe(want());
    expect(made).toBe(3);
  });

  it('input cut inside a frame -> E_TRUNCATED; garbage between frames -> E_FORMAT_CORRUPT', async () => {
    expect((await decode(file.subarray(0, file.length - 2000), [65536], toolFrameDecoder)).code).toBe('E_TRUNCATED');
    const junk = Buffer.concat([frameFiles[0]!, Buffer.from('JUNKJUNKJUNK')]);
    expect((await decode(junk, [65536], toolFrameDecoder)).code).toBe('E_FORMAT_CORRUPT');
  });

  // Runs only where Node has zlib zstd (Node >= 22.15 / Electron 45); on Node 20 the tool path is used.
  it.runIf(builtinZstdFactory() !== undefined)('with the built-in decoder: same bytes, corrupt frame detected', async () => {
    const builtin = builtinZstdFactory()!;
    expect((await decode(file, [1 << 20], builtin)).sha).toBe(want());
    const bad = Buffer.from(file);
    bad[20 + Math.floor(frameFiles[0]!.length / 2)]! ^= 0x40;
    expect((await decode(bad, [1 << 20], builtin)).code).toBe('E_FORMAT_CORRUPT');
  });
});
