/**
 * Load catalogs from URLs and files: fetch (bounded), verify the minisign signature over the exact
 * bytes BEFORE parsing, then validate against the schema. A remote catalog is kept in the cache so
 * that "work offline" can use it; offline, only cached copies are read and the network is never
 * touched. The bundled default catalog ships inside the app and is trusted like the keys beside it.
 */
import { existsSync, promises as fsp } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FlashError, isFlashError, sysCode } from '../errors.js';
import { isHttpUrl } from '../source/http-source.js';
import type { ImageCache } from './cache.js';
import { fetchSmall, redact } from './download.js';
import { verifyBytes, type PublicKey } from './minisign.js';
import { catalogSchema, type Catalog } from './schema.js';
import { bundledCatalogPath } from './trusted-keys.js';

/** Catalogs are small documents; anything bigger is refused. */
export const MAX_CATALOG_BYTES = 4 * 1024 * 1024;
const MAX_SIGNATURE_BYTES = 4096;

/** Why a catalog (or image) may be used. */
export type Trust =
  | { readonly kind: 'signed'; readonly keyId: string; readonly trustedComment: string }
  | { readonly kind: 'bundled' }
  | { readonly kind: 'unsigned-accepted' };

export interface LoadedCatalog {
  /** What the user gave (URL or path), or "bundled". */
  readonly source: string;
  /** Absolute URL that relative URLs inside the catalog are resolved against. */
  readonly base: string;
  readonly catalog: Catalog;
  readonly trust: Trust;
  /** Read from the cache (offline, or the network failed). */
  readonly fromCache: boolean;
}

export interface CatalogLoadOptions {
  readonly keys: readonly PublicKey[];
  readonly cache?: ImageCache | undefined;
  readonly offline?: boolean | undefined;
  /** The user's "I trust this file": accept an unsigned catalog (never a badly signed one). */
  readonly trustUnsigned?: boolean | undefined;
  readonly ca?: string | Buffer | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onInfo?: ((msg: string) => void) | undefined;
}

function catalogError(source: string, msg: string): FlashError {
  return new FlashError('E_CATALOG', `catalog ${source}: ${msg}`, { phase: 'source' });
}

/** Parse and validate catalog bytes (already verified). */
export function parseCatalog(body: Buffer, source: string): Catalog {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw catalogError(source, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const v = typeof json === 'object' && json !== null && 'version' in json ? json.version : undefined;
  if (typeof v === 'number' && v > 1) throw catalogError(source, `format version ${v} is newer than this app understands (1); update 3os Flasher`);
  const r = catalogSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
    throw catalogError(source, `${where}${issue?.message ?? 'invalid'}`);
  }
  const ids = new Set<string>();
  for (const img of r.data.images) {
    if (ids.has(img.id)) throw catalogError(source, `image id ${img.id} appears twice`);
    ids.add(img.id);
  }
  return r.data;
}

async function verifyCatalog(body: Buffer, signature: string | undefined, source: string, opts: CatalogLoadOptions): Promise<Trust> {
  if (signature !== undefined) {
    const v = await verifyBytes(body, signature, opts.keys, `catalog ${source}`);
    return { kind: 'signed', keyId: v.keyId, trustedComment: v.trustedComment };
  }
  if (opts.trustUnsigned !== true) {
    throw new FlashError('E_UNSIGNED', `catalog ${source} is not signed (no ${source}.minisig); pass --trust-unsigned to use it anyway`, { phase: 'source' });
  }
  if (/^http:\/\//i.test(source)) {
    throw new FlashError('E_INSECURE', `refusing an unsigned catalog over plain http: ${redact(source)} (sign it, or serve it over https)`, { phase: 'source' });
  }
  opts.onInfo?.(`using the unsigned catalog ${source} because you trust it (--trust-unsigned)`);
  return { kind: 'unsigned-accepted' };
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(path, 'utf8');
  } catch (e) {
    if (sysCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

async function loadRemote(url: string, opts: CatalogLoadOptions): Promise<LoadedCatalog> {
  const fromCache = async (why: string): Promise<LoadedCatalog | undefined> => {
    const c = await opts.cache?.loadCatalog(url);
    if (c === undefined) return undefined;
    opts.onInfo?.(`${why}: using the cached copy of catalog ${redact(url)} from ${new Date(c.fetched).toISOString()}`);
    const trust = await verifyCatalog(c.body, c.signature, url, opts);
    return { source: url, base: url, catalog: parseCatalog(c.body, url), trust, fromCache: true };
  };
  if (opts.offline === true) {
    const c = await fromCache('offline');
    if (c === undefined) throw new FlashError('E_OFFLINE', `working offline and catalog ${redact(url)} is not in the cache`, { phase: 'source' });
    return c;
  }
  let body: Buffer;
  let signature: string | undefined;
  const net = { ca: opts.ca, signal: opts.signal, onInfo: opts.onInfo, retryDelayMs: 200 };
  try {
    body = await fetchSmall(url, MAX_CATALOG_BYTES, net);
    try {
      signature = (await fetchSmall(`${url}.minisig`, MAX_SIGNATURE_BYTES, net)).toString('utf8');
    } catch (e) {
      if (!(isFlashError(e) && e.code === 'E_NETWORK' && /HTTP (404|410)/.test(e.message))) throw e;
      signature = undefined;
    }
  } catch (e) {
    if (isFlashError(e) && e.code === 'E_NETWORK') {
      const c = await fromCache(`cannot reach ${redact(url)} (${e.message})`);
      if (c !== undefined) return c;
    }
    throw e;
  }
  const trust = await verifyCatalog(body, signature, url, opts);
  const catalog = parseCatalog(body, url);
  await opts.cache?.saveCatalog(url, body, signature);
  return { source: url, base: url, catalog, trust, fromCache: false };
}

async function loadFile(spec: string, opts: CatalogLoadOptions, bundled: boolean): Promise<LoadedCatalog> {
  const path = /^file:\/\//i.test(spec) ? fileURLToPath(spec) : resolvePath(spec);
  let body: Buffer;
  try {
    body = await fsp.readFile(path);
  } catch (e) {
    throw new FlashError('E_SOURCE_MISSING', `cannot read catalog ${path}: ${sysCode(e) ?? String(e)}`, { phase: 'source', cause: e });
  }
  if (body.length > MAX_CATALOG_BYTES) throw new FlashError('E_OVERSIZE', `catalog ${path} is larger than ${MAX_CATALOG_BYTES} bytes`, { phase: 'source' });
  const signature = await readOptional(`${path}.minisig`);
  const source = bundled ? 'bundled' : spec;
  const trust: Trust = bundled && signature === undefined ? { kind: 'bundled' } : await verifyCatalog(body, signature, bundled ? path : spec, opts);
  return { source, base: pathToFileURL(path).href, catalog: parseCatalog(body, source), trust, fromCache: false };
}

/** Load one catalog source (URL, path, file:// URL, or "bundled"). */
export async function loadCatalog(source: string, opts: CatalogLoadOptions): Promise<LoadedCatalog> {
  if (source === 'bundled') return loadFile(bundledCatalogPath(), opts, true);
  if (isHttpUrl(source)) return loadRemote(source, opts);
  return loadFile(source, opts, false);
}

/** Whether a bundled catalog exists (a packaged app always has one). */
export function hasBundledCatalog(): boolean {
  return existsSync(bundledCatalogPath());
}
