// Image sources against real tools: every compressed form made by the real compressor decodes to
// the exact source bytes; truncated and bit-flipped files fail with the right FlashError; an http
// download that drops half-way resumes seamlessly; bad servers give clear E_NETWORK errors.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFlashError } from '../../flasher/errors.js';
import { openImage, type OpenImageOptions } from '../../flasher/source/open-image.js';
import { sh, shScript } from '../../testkit/sh.js';
import { drain, makeImage, sha256 } from './sources-helpers.js';

let dir: string;
let img: Buffer;
let imgSha: string;

interface Variant {
  readonly name: string;
  readonly file: string;
  readonly cmd: string;
  readonly format: string;
  /** Whether openImage must know the decoded size up front. */
  readonly sizeKnown: boolean;
  readonly opts?: OpenImageOptions;
}

const HALF = 12 * 1024 * 1024;
const VARIANTS: readonly Variant[] = [
  { name: 'xz -T0 (multi-block)', file: 'mt.img.xz', cmd: 'xz -T0 --block-size=4MiB -1 -c disk.img > mt.img.xz', format: 'xz', sizeKnown: true },
  { name: 'xz single block', file: 'st.img.xz', cmd: 'xz -T1 -1 -c disk.img > st.img.xz', format: 'xz', sizeKnown: true },
  { name: 'xz two streams + stream padding', file: 'cat.img.xz', cmd: `head -c ${HALF} disk.img | xz -1 -c > cat.img.xz && printf '\\0\\0\\0\\0\\0\\0\\0\\0' >> cat.img.xz && tail -c +${HALF + 1} disk.img | xz -1 -c >> cat.img.xz`, format: 'xz', sizeKnown: true },
  { name: 'xz via WASM worker', file: 'mt.img.xz', cmd: 'true', format: 'xz', sizeKnown: true, opts: { decoders: { xz: 'wasm' } } },
  { name: 'zstd', file: 'a.img.zst', cmd: 'zstd -q -3 -c disk.img > a.img.zst', format: 'zstd', sizeKnown: true },
  { name: 'zstd --long=27', file: 'long.img.zst', cmd: 'zstd -q -9 --long=27 -c disk.img > long.img.zst', format: 'zstd', sizeKnown: true },
  { name: 'zstd --long=31 through a pipe (2 GiB window in the header)', file: 'l31.img.zst', cmd: 'cat disk.img | zstd -q -3 --long=31 -c > l31.img.zst', format: 'zstd', sizeKnown: false },
  { name: 'zstd two frames', file: 'mf.img.zst', cmd: `head -c ${HALF} disk.img | zstd -q -c > mf.img.zst && tail -c +${HALF + 1} disk.img | zstd -q -c >> mf.img.zst`, format: 'zstd', sizeKnown: false },
  { name: 'zstd with a skippable frame first', file: 'sk.img.zst', cmd: "printf 'P*M\\030\\020\\0\\0\\0skippable-frame!' > sk.img.zst && zstd -q -c disk.img >> sk.img.zst", format: 'zstd', sizeKnown: true },
  { name: 'gzip', file: 'a.img.gz', cmd: 'gzip -c disk.img > a.img.gz', format: 'gzip', sizeKnown: true },
  { name: 'gzip two members', file: 'mm.img.gz', cmd: `head -c ${HALF} disk.img | gzip -c > mm.img.gz && tail -c +${HALF + 1} disk.img | gzip -c >> mm.img.gz`, format: 'gzip', sizeKnown: false },
  { name: 'bzip2 (lbzip2)', file: 'a.img.bz2', cmd: 'bzip2 -c disk.img > a.img.bz2', format: 'bzip2', sizeKnown: false },
  { name: 'bzip2 (bzip2 tool)', file: 'a.img.bz2', cmd: 'true', format: 'bzip2', sizeKnown: false, opts: { decoders: { bzip2: 'bzip2' } } },
  { name: 'zip deflate', file: 'a.zip', cmd: 'zip -q a.zip README.txt disk.img', format: 'zip', sizeKnown: true },
  { name: 'zip stored', file: 's.zip', cmd: 'zip -q -0 s.zip README.txt disk.img', format: 'zip', sizeKnown: true },
  { name: 'raw', file: 'disk.img', cmd: 'true', format: 'raw', sizeKnown: true },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flasher-sources-'));
  img = await makeImage(join(dir, 'disk.img'), 24);
  imgSha = sha256(img);
  await writeFile(join(dir, 'README.txt'), 'not the image\n'.repeat(100_000)); // bigger than nothing, smaller than the image
  for (const v of VARIANTS) await shScript(v.cmd, { cwd: dir });
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function corruptCopy(src: string, dst: string, how: 'truncate' | 'flip'): Promise<void> {
  const b = await readFile(join(dir, src));
  if (how === 'truncate') await writeFile(join(dir, dst), b.subarray(0, Math.floor(b.length / 2) + 1000));
  else {
    const c = Buffer.from(b);
    const at = Math.floor(c.length / 2);
    c[at] = c[at]! ^ 0x10;
    await writeFile(join(dir, dst), c);
  }
}

/** Open and drain; returns the FlashError code (from openImage or the stream) or the decoded hash. */
async function outcome(path: string, opts?: OpenImageOptions): Promise<{ code?: string; sha?: string; message?: string }> {
  let image;
  try {
    image = await openImage(path, opts);
  } catch (e) {
    if (isFlashError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  try {
    const d = await drain(image.stream);
    return d.error === undefined ? { sha: d.sha256 } : { code: d.error.code, message: d.error.message };
  } finally {
    await image.close();
  }
}

describe('local images decode to the exact source bytes', () => {
  for (const v of VARIANTS) {
    it(v.name, async () => {
      const path = join(dir, v.file);
      const file = await readFile(path);
      const image = await openImage(path, v.opts);
      try {
        expect(image.format).toBe(v.format);
        expect(image.localPath).toBe(path);
        if (v.sizeKnown) expect(image.size).toBe(img.length);
        const d = await drain(image.stream);
        expect(d.error).toBeUndefined();
        expect(d.bytes).toBe(img.length);
        expect(d.sha256).toBe(imgSha);
        expect(image.rawSha256()).toBe(sha256(file));
        if (v.format !== 'zip') expect(image.sourceBytes()).toBe(file.length);
        else expect(image.sourceBytes()).toBe(image.compressedSize);
        if (v.format === 'zip') expect(image.entryName).toBe('disk.img');
      } finally {
        await image.close();
      }
    });
  }
});

describe('damaged images fail loudly with the right code', () => {
  for (const v of VARIANTS) {
    if (v.format === 'raw') continue;
    it(`${v.name}: truncated -> E_TRUNCATED`, async () => {
      const t = `trunc-${v.name.replace(/\W+/g, '_')}-${v.file}`;
      await corruptCopy(v.file, t, 'truncate');
      const r = await outcome(join(dir, t), v.opts);
      expect(r.sha).toBeUndefined();
      expect(r.code, r.message).toBe('E_TRUNCATED');
    });
    it(`${v.name}: one bit flipped in the middle -> E_FORMAT_CORRUPT`, async () => {
      const t = `flip-${v.name.replace(/\W+/g, '_')}-${v.file}`;
      await corruptCopy(v.file, t, 'flip');
      const r = await outcome(join(dir, t), v.opts);
      expect(r.sha).toBeUndefined();
      expect(r.code, r.message).toBe('E_FORMAT_CORRUPT');
    });
  }
});

describe('backpressure: a stalled consumer stops the source', () => {
  for (const [name, path] of [['raw', 'disk.img'], ['gzip', 'a.img.gz'], ['xz (tool)', 'mt.img.xz'], ['zstd', 'a.img.zst'], ['zip', 'a.zip']] as const) {
    it(name, async () => {
      const image = await openImage(join(dir, path));
      try {
        const it = (image.stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
        await it.next();
        await new Promise((r) => setTimeout(r, 400));
        // Only a few MiB of buffers may fill while nobody reads.
        expect(image.sourceBytes()).toBeLessThan(image.compressedSize! * 0.75);
        expect(image.sourceBytes()).toBeLessThan(10 * 1024 * 1024);
      } finally {
        await image.close();
      }
    });
  }
});

describe('local source errors', () => {
  it('missing file -> E_SOURCE_MISSING', async () => {
    expect((await outcome(join(dir, 'nope.img'))).code).toBe('E_SOURCE_MISSING');
  });
  it('a file:// URL is a local file', async () => {
    const image = await openImage(pathToFileURL(join(dir, 'a.img.gz')).href);
    try {
      expect(image.localPath).toBe(join(dir, 'a.img.gz'));
      expect((await drain(image.stream)).sha256).toBe(imgSha);
    } finally {
      await image.close();
    }
  });
  it('a directory -> E_SOURCE_UNREADABLE', async () => {
    await mkdir(join(dir, 'adir'), { recursive: true });
    expect((await outcome(join(dir, 'adir'))).code).toBe('E_SOURCE_UNREADABLE');
  });
  it('an empty file and a refused container -> E_FORMAT_UNKNOWN', async () => {
    await writeFile(join(dir, 'empty.img'), Buffer.alloc(0));
    expect((await outcome(join(dir, 'empty.img'))).code).toBe('E_FORMAT_UNKNOWN');
    await writeFile(join(dir, 'disk.img.qcow2.img'), Buffer.concat([Buffer.from('QFI\xfb', 'latin1'), Buffer.alloc(4096)]));
    const r = await outcome(join(dir, 'disk.img.qcow2.img'));
    expect(r.code).toBe('E_FORMAT_UNKNOWN');
    expect(r.message).toMatch(/qcow2/);
  });
  it('close() mid-stream kills the spawned decoder', async () => {
    const image = await openImage(join(dir, 'mt.img.xz'));
    const it = (image.stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    await it.next();
    const before = await sh('ps', ['--ppid', String(process.pid), '-o', 'comm=']);
    expect(before.stdout).toMatch(/\bxz\b/);
    await image.close();
    await image.close(); // idempotent
    const after = await sh('ps', ['--ppid', String(process.pid), '-o', 'comm=']);
    expect(after.stdout).not.toMatch(/\bxz\b/);
  });
  it('an aborted signal stops the stream with E_CANCELLED', async () => {
    const ac = new AbortController();
    const image = await openImage(join(dir, 'a.img.zst'), { signal: ac.signal });
    try {
      const it = (image.stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      await it.next();
      ac.abort();
      await expect(it.next()).rejects.toMatchObject({ code: 'E_CANCELLED' });
    } finally {
      await image.close();
    }
  });
});

// ---- http ----------------------------------------------------------------------------------

interface ServerState {
  dropOnceAt: number | undefined;
  /** After the drop, answer 503 to everything. */
  unavailableAfterDrop: boolean;
  ignoreRangeOnResume: boolean;
  dropped: boolean;
  requests: { url: string; headers: IncomingHttpHeaders }[];
}

let server: Server;
let base: string;
const state: ServerState = { dropOnceAt: undefined, unavailableAfterDrop: false, ignoreRangeOnResume: false, dropped: false, requests: [] };
/** What the server serves, by path (filled once the files exist). */
const served = new Map<string, Buffer>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '/';
    state.requests.push({ url, headers: req.headers });
    const redir = /^\/redirect\/(\d+)(\/.*)$/.exec(url);
    if (redir !== null) {
      const n = Number(redir[1]);
      res.writeHead(302, { location: n <= 1 ? redir[2] : `/redirect/${n - 1}${redir[2]}` });
      res.end();
      return;
    }
    const body = served.get(url);
    if (body === undefined) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    if (state.unavailableAfterDrop && state.dropped) {
      res.writeHead(503);
      res.end();
      return;
    }
    const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range !== null && !(state.ignoreRangeOnResume && state.dropped) && (ifRange === undefined || ifRange === etag)) {
      const start = Number(range[1]);
      const end = range[2] === '' ? body.length - 1 : Math.min(Number(range[2]), body.length - 1);
      res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${body.length}`, etag, 'accept-ranges': 'bytes' });
      res.end(body.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { 'content-length': body.length, etag, 'accept-ranges': 'bytes' });
    const drop = state.dropOnceAt;
    if (drop !== undefined && !state.dropped && range === null) {
      // Send part of the body, then cut the connection: the client must resume.
      state.dropped = true;
      res.write(body.subarray(0, drop), () => setTimeout(() => req.socket.destroy(), 20));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function reset(drop?: number, ignoreRange = false, unavailableAfterDrop = false): void {
  state.dropOnceAt = drop;
  state.unavailableAfterDrop = unavailableAfterDrop;
  state.ignoreRangeOnResume = ignoreRange;
  state.dropped = false;
  state.requests = [];
}

describe('http(s) sources', () => {
  beforeAll(async () => {
    served.set('/disk.img', img);
    for (const f of ['mt.img.xz', 'a.zip', 'a.img.zst']) served.set(`/${f}`, await readFile(join(dir, f)));
  });

  it('raw download dropped half-way resumes with Range + If-Range and matches', async () => {
    reset(Math.floor(img.length / 2) + 12345);
    const info: string[] = [];
    const image = await openImage(`${base}/disk.img`, { retryDelayMs: 10, onInfo: (m) => info.push(m) });
    try {
      expect(image.format).toBe('raw');
      expect(image.size).toBe(img.length);
      expect(image.localPath).toBeUndefined();
      const d = await drain(image.stream);
      expect(d.error).toBeUndefined();
      expect(d.sha256).toBe(imgSha);
      expect(state.dropped).toBe(true);
      const resume = state.requests.find((r) => r.headers.range !== undefined);
      expect(resume?.headers.range).toBe(`bytes=${Math.floor(img.length / 2) + 12345}-`);
      expect(resume?.headers['if-range']).toMatch(/^"[0-9a-f]{40}"$/);
      expect(info.some((m) => /resum/.test(m))).toBe(true);
      expect(image.rawSha256()).toBe(imgSha);
      expect(image.sourceBytes()).toBe(img.length);
    } finally {
      await image.close();
    }
  });

  it('xz download dropped half-way still decodes to the source', async () => {
    const xz = served.get('/mt.img.xz')!;
    reset(Math.floor(xz.length / 2));
    const image = await openImage(`${base}/mt.img.xz`, { retryDelayMs: 10 });
    try {
      expect(image.format).toBe('xz');
      const d = await drain(image.stream);
      expect(d.error).toBeUndefined();
      expect(d.sha256).toBe(imgSha);
      expect(state.dropped).toBe(true);
      expect(image.rawSha256()).toBe(sha256(xz));
    } finally {
      await image.close();
    }
  });

  it('zip over http reads the directory and the entry with Range requests', async () => {
    reset();
    const image = await openImage(`${base}/a.zip`);
    try {
      expect(image.format).toBe('zip');
      expect(image.size).toBe(img.length);
      expect(image.entryName).toBe('disk.img');
      const d = await drain(image.stream);
      expect(d.error).toBeUndefined();
      expect(d.sha256).toBe(imgSha);
      expect(state.requests.filter((r) => r.headers.range !== undefined).length).toBeGreaterThanOrEqual(2);
    } finally {
      await image.close();
    }
  });

  it('a download that cannot be resumed fails with E_NETWORK, not a decoder complaint', async () => {
    const xz = served.get('/mt.img.xz')!;
    reset(Math.floor(xz.length / 2), false, true);
    const info: string[] = [];
    const r = await outcome(`${base}/mt.img.xz`, { retryDelayMs: 5, maxRetries: 2, onInfo: (m) => info.push(m) });
    expect(r.code, r.message).toBe('E_NETWORK');
    expect(r.message).toMatch(/after 2 retries/);
    expect(info.filter((m) => /retrying/.test(m)).length).toBe(2);
  });

  it('follows redirects (up to 5)', async () => {
    reset();
    const r = await outcome(`${base}/redirect/3/a.img.zst`);
    expect(r.sha).toBe(imgSha);
    const tooMany = await outcome(`${base}/redirect/6/a.img.zst`);
    expect(tooMany.code).toBe('E_NETWORK');
    expect(tooMany.message).toMatch(/redirect/);
  });

  it('404 -> E_NETWORK with the status', async () => {
    reset();
    const r = await outcome(`${base}/missing.img`);
    expect(r.code).toBe('E_NETWORK');
    expect(r.message).toMatch(/404/);
  });

  it('a server that ignores Range on resume -> clear E_NETWORK', async () => {
    reset(Math.floor(img.length / 3), true);
    const r = await outcome(`${base}/disk.img`, { retryDelayMs: 10 });
    expect(r.sha).toBeUndefined();
    expect(r.code).toBe('E_NETWORK');
    expect(r.message).toMatch(/ignored the Range request/);
  });

  it('nothing listening -> E_NETWORK after bounded retries', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const r = await outcome(`http://127.0.0.1:${port}/x.img`, { retryDelayMs: 5, maxRetries: 2 });
    expect(r.code).toBe('E_NETWORK');
    expect(r.message).toMatch(/2 retries/);
  });
});
