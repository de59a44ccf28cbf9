/**
 * Where the download cache lives and its index file. The index is small JSON, rewritten whole
 * and atomically (write a temporary file, fsync, rename), so a crash leaves the old or the new
 * index, never half of one. Files the index does not know are ignored; entries whose file is gone
 * are dropped on load.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseBytes } from '../../common/bytes.js';
import { FlashError, sysCode } from '../errors.js';

/** Default size limit of the cache: 16 GiB (a handful of images). */
export const DEFAULT_CACHE_LIMIT = 16 * 1024 ** 3;

const entrySchema = z.object({
  /** Content address: the file's SHA-256 (hex). */
  key: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  url: z.string().optional(),
  imageId: z.string().optional(),
  /** A .minisig stored beside the file (images/<key>.minisig). */
  hasSignature: z.boolean().default(false),
  added: z.number(),
  lastUsed: z.number(),
});
export type CacheEntry = z.infer<typeof entrySchema>;

const catalogEntrySchema = z.object({
  url: z.string(),
  /** catalogs/<file>.json and, when signed, catalogs/<file>.minisig */
  file: z.string().regex(/^[0-9a-f]{64}$/),
  hasSignature: z.boolean(),
  fetched: z.number(),
});
export type CachedCatalogEntry = z.infer<typeof catalogEntrySchema>;

const indexSchema = z.object({
  version: z.literal(1),
  images: z.array(entrySchema).default([]),
  catalogs: z.array(catalogEntrySchema).default([]),
});
export type CacheIndex = z.infer<typeof indexSchema>;

/** The cache folder: --cache-dir, else $THREEOS_CACHE_DIR, else $XDG_CACHE_HOME/3os-flasher, else ~/.cache/3os-flasher. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env.THREEOS_CACHE_DIR;
  if (own !== undefined && own !== '') return own;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && xdg !== '') return join(xdg, '3os-flasher');
  return join(homedir(), '.cache', '3os-flasher');
}

/** Parse a cache limit such as 8G, 500MiB (common/bytes.ts) or 1048576 (bare: bytes); undefined when not a size. */
export function parseSize(text: string): number | undefined {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : parseBytes(t);
}

export function emptyIndex(): CacheIndex {
  return { version: 1, images: [], catalogs: [] };
}

export async function readIndex(dir: string): Promise<CacheIndex> {
  let text: string;
  try {
    text = await fsp.readFile(join(dir, 'index.json'), 'utf8');
  } catch (e) {
    if (sysCode(e) === 'ENOENT') return emptyIndex();
    throw new FlashError('E_SOURCE_UNREADABLE', `cannot read the cache index in ${dir}: ${e instanceof Error ? e.message : String(e)}`, { phase: 'source', cause: e });
  }
  try {
    return indexSchema.parse(JSON.parse(text));
  } catch {
    // A damaged index loses the cache's bookkeeping, never the user's work: start over.
    return emptyIndex();
  }
}

/** Write `data` to `path` atomically: temporary file in the same folder, fsync, rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fh = await fsp.open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

export async function writeIndex(dir: string, index: CacheIndex): Promise<void> {
  await writeFileAtomic(join(dir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
}
