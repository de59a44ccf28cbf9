/**
 * The download cache on local files (file:// sources): the index survives a new instance, LRU
 * eviction by size, a corrupted cached file is discarded and fetched again, offline never fetches,
 * and the index is replaced atomically (no temporary files left behind).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageCache } from '../../../../flasher/catalog/cache.js';
import { defaultCacheDir, parseSize } from '../../../../flasher/catalog/cache-index.js';

let dir: string;
let clock = 1000;
const now = (): number => clock++;

function file(name: string, size: number, seed: number): { url: string; sha256: string; size: number } {
  const b = Buffer.alloc(size, seed);
  const p = join(dir, name);
  writeFileSync(p, b);
  return { url: pathToFileURL(p).href, sha256: createHash('sha256').update(b).digest('hex'), size };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ImageCache', () => {
  it('keeps entries across instances (restart) and reuses without fetching again', async () => {
    const a = file('a.img', 5000, 1);
    const c1 = await ImageCache.open({ dir: join(dir, 'c'), now });
    const r1 = await c1.fetch({ ...a });
    expect(r1.downloaded).toBe(true);
    rmSync(join(dir, 'a.img')); // the source is gone: only the cache can serve it now
    const c2 = await ImageCache.open({ dir: join(dir, 'c'), now });
    expect(c2.entries().map((e) => e.key)).toEqual([a.sha256]);
    const r2 = await c2.fetch({ ...a, offline: true });
    expect(r2.downloaded).toBe(false);
    expect(r2.path).toBe(r1.path);
    expect(readdirSync(join(dir, 'c')).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('evicts the least recently used images to stay under the limit', async () => {
    const c = await ImageCache.open({ dir: join(dir, 'c'), limitBytes: 10_000, now });
    const a = file('a.img', 4000, 1);
    const b = file('b.img', 4000, 2);
    const d = file('d.img', 4000, 3);
    await c.fetch(a);
    await c.fetch(b);
    await c.fetch(a); // a is now more recent than b
    await c.fetch(d);
    expect(c.entries().map((e) => e.key).sort()).toEqual([a.sha256, d.sha256].sort());
    expect(c.totalBytes()).toBeLessThanOrEqual(10_000);
    expect(existsSync(join(dir, 'c', 'images', b.sha256))).toBe(false);
    const again = await ImageCache.open({ dir: join(dir, 'c'), limitBytes: 10_000, now });
    expect(again.find(b.sha256)).toBeUndefined();
  });

  it('discards a corrupted cached file and fetches it again', async () => {
    const a = file('a.img', 5000, 7);
    const c = await ImageCache.open({ dir: join(dir, 'c'), now });
    const r = await c.fetch(a);
    writeFileSync(r.path, Buffer.alloc(5000, 8));
    const infos: string[] = [];
    const r2 = await c.fetch({ ...a, onInfo: (m) => infos.push(m) });
    expect(r2.downloaded).toBe(true);
    expect(infos.join()).toMatch(/failed its check.*discarding/);
    writeFileSync(r.path, Buffer.alloc(5000, 8));
    expect(await code(c.fetch({ ...a, offline: true }))).toBe('E_CHECKSUM');
    expect(c.find(a.sha256)).toBeUndefined();
  });

  it('refuses a download whose checksum or size is wrong, and keeps nothing', async () => {
    const a = file('a.img', 5000, 1);
    const c = await ImageCache.open({ dir: join(dir, 'c'), now });
    expect(await code(c.fetch({ ...a, sha256: 'f'.repeat(64) }))).toBe('E_CHECKSUM');
    expect(await code(c.fetch({ ...a, size: 4000 }))).toBe('E_OVERSIZE');
    expect(c.entries()).toEqual([]);
    expect(readdirSync(join(dir, 'c', 'partial'))).toEqual([]);
  });

  it('offline: a missing image is E_OFFLINE; plain http without a pinned checksum is refused', async () => {
    const c = await ImageCache.open({ dir: join(dir, 'c'), now });
    expect(await code(c.fetch({ url: 'https://127.0.0.1:9/x.img', sha256: 'a'.repeat(64), offline: true }))).toBe('E_OFFLINE');
    expect(await code(c.fetch({ url: 'http://127.0.0.1:9/x.img' }))).toBe('E_INSECURE');
  });

  it('add copies a local file in under its checksum; clear empties everything', async () => {
    const a = file('a.img', 3000, 4);
    const c = await ImageCache.open({ dir: join(dir, 'c'), now });
    const e = await c.add(join(dir, 'a.img'), { imageId: 'x' });
    expect(e.key).toBe(a.sha256);
    expect(e.imageId).toBe('x');
    expect(await c.clear()).toBe(3000);
    expect(c.entries()).toEqual([]);
    expect((await ImageCache.open({ dir: join(dir, 'c') })).entries()).toEqual([]);
  });
});

describe('cache settings', () => {
  it('finds the folder from THREEOS_CACHE_DIR, XDG_CACHE_HOME or HOME', () => {
    expect(defaultCacheDir({ THREEOS_CACHE_DIR: '/x' })).toBe('/x');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/3os-flasher');
    expect(defaultCacheDir({})).toMatch(/\.cache\/3os-flasher$/);
  });

  it('parses sizes', () => {
    expect(parseSize('20G')).toBe(20 * 1024 ** 3);
    expect(parseSize('1.5MiB')).toBe(1.5 * 1024 ** 2);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('lots')).toBeUndefined();
  });
});
