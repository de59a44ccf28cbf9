/**
 * `3os-flash cache list|clear|add FILE`: look after the download cache (images are kept by their
 * SHA-256, checked again on every reuse, evicted least-recently-used past the size limit).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ImageCache } from '../../../flasher/catalog/index.js';
import { cacheOptionsFrom } from '../../../flasher/catalog/resolve.js';
import { usageError, type CliIO, type Command } from '../io.js';
import { humanBytes } from '../../../common/bytes.js';
import { catalogOptionsFrom } from './catalog-options.js';

const usage = `Usage: 3os-flash cache list|clear|add FILE [--cache-dir DIR] [--json]

  list         the cached images, most recently used first
  clear        remove every cached image, partial download and catalog copy
  add FILE     put a local image file into the cache (e.g. one carried on a USB stick, for
               --offline use); FILE.minisig beside it is stored too. --id IMAGE_ID names it.

Options:
  --cache-dir DIR    the cache folder (default $THREEOS_CACHE_DIR, $XDG_CACHE_HOME/3os-flasher
                     or ~/.cache/3os-flasher)
  --cache-limit SIZE size limit, e.g. 20G (default $THREEOS_CACHE_LIMIT or 16G)
  --id IMAGE_ID      with add: the catalog image id this file is
  --json             JSON output`;

async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { 'cache-dir': { type: 'string' }, 'cache-limit': { type: 'string' }, id: { type: 'string' }, json: { type: 'boolean' } },
    });
  } catch (e) {
    throw usageError(e instanceof Error ? e.message : String(e));
  }
  const [verb, file, ...extra] = parsed.positionals;
  const json = parsed.values.json === true;
  const opts = catalogOptionsFrom(parsed.values, io, (m) => io.err.write(`${m}\n`));
  const cache = await ImageCache.open(cacheOptionsFrom(opts));
  switch (verb) {
    case 'list': {
      if (file !== undefined) throw usageError('cache list takes no argument');
      const entries = cache.entries();
      if (json) {
        io.out.write(`${JSON.stringify({ kind: 'cache', dir: cache.dir, limit: cache.limitBytes, total: cache.totalBytes(), entries: entries.map((e) => ({ ...e, path: cache.pathOf(e) })) })}\n`);
        return 0;
      }
      io.err.write(`cache ${cache.dir}: ${humanBytes(cache.totalBytes())} of ${humanBytes(cache.limitBytes)}\n`);
      for (const e of entries) {
        io.out.write(`${e.key.slice(0, 16)}  ${humanBytes(e.size).padStart(10)}  ${new Date(e.lastUsed).toISOString()}  ${e.imageId ?? '-'}  ${e.url ?? ''}\n`);
      }
      return 0;
    }
    case 'clear': {
      if (file !== undefined) throw usageError('cache clear takes no argument');
      const freed = await cache.clear();
      if (json) io.out.write(`${JSON.stringify({ kind: 'cache-cleared', dir: cache.dir, freed })}\n`);
      else io.err.write(`cleared ${cache.dir} (${humanBytes(freed)} freed)\n`);
      return 0;
    }
    case 'add': {
      if (file === undefined || extra.length > 0) throw usageError('cache add takes exactly one FILE');
      const sig = existsSync(`${file}.minisig`) ? readFileSync(`${file}.minisig`, 'utf8') : undefined;
      const e = await cache.add(file, { imageId: parsed.values.id, signatureText: sig });
      if (json) io.out.write(`${JSON.stringify({ kind: 'cache-added', ...e, path: cache.pathOf(e) })}\n`);
      else io.out.write(`${e.key}  ${humanBytes(e.size)}  ${cache.pathOf(e)}\n`);
      return 0;
    }
    default:
      throw usageError('cache needs list, clear or add FILE (see 3os-flash cache --help)');
  }
}

export const cacheCommand: Command = { name: 'cache', summary: 'list, clear or fill the image download cache', usage, run };
