/**
 * From what the user typed to a verified local file the write engine can stream: a catalog image
 * id (`catalog:ID`, or a bare ID that is not an existing path), or a file/URL checked against the
 * board through its own 3os/image.json. Downloads land in the cache first and are checked in full
 * (size, SHA-256, minisign signature by a trusted key) before the write starts, so no byte of an
 * unverified image ever reaches a target (stronger than "partition table last"; see
 * docs/catalog.md for why this was chosen over tee-while-writing).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FlashError, isFlashError, type WireError } from '../errors.js';
import { isHttpUrl } from '../source/http-source.js';
import { ImageCache } from './cache.js';
import { parseSize } from './cache-index.js';
import { fetchSmall, redact } from './download.js';
import { loadCatalog, type LoadedCatalog } from './load.js';
import { checkFit, findBoard, findImage, mergeCatalogs, type FitFacts, type MergedCatalog, type OfferedImage } from './merge.js';
import { verifyFile, type PublicKey, type SignatureAlgorithm } from './minisign.js';
import { bootableTables, type Board } from './schema.js';
import { loadTrustedKeys } from './trusted-keys.js';
import { catalogIdOf } from './catalog-id.js';

export { CATALOG_PREFIX, catalogIdOf } from './catalog-id.js';

export interface CatalogOptions {
  /** Extra catalogs (URL or file), highest precedence first; the bundled one comes last. */
  readonly catalogs?: readonly string[] | undefined;
  /** Include the bundled default catalog (default true). */
  readonly bundled?: boolean | undefined;
  /** Extra trusted public keys (files or base64), besides the bundled ones. */
  readonly trustedKeys?: readonly string[] | undefined;
  readonly cacheDir?: string | undefined;
  readonly cacheLimitBytes?: number | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly offline?: boolean | undefined;
  /** The user's explicit "I trust this file" for unsigned catalogs and images. */
  readonly trustUnsigned?: boolean | undefined;
  readonly ca?: string | Buffer | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onInfo?: ((msg: string) => void) | undefined;
  /** Download progress of an image. */
  readonly onDownload?: ((e: DownloadProgress) => void) | undefined;
}

/** What the board check needs from an image itself: its 3os/image.json and its partition table. */
export type ImageFacts = FitFacts;

/**
 * Reads a local image's 3os/image.json and partition table kind (undefined when it has no
 * image.json). Injected by the caller (provisioning/detect/image-info.ts's readImageInfo): the
 * engine does not read partition tables or FAT volumes itself.
 */
export type ImageInfoReader = (path: string) => Promise<ImageFacts | undefined>;

/** resolveSource's options: the catalog options, the board to check against and the image.json reader. */
export type ResolveOptions = CatalogOptions & {
  readonly board?: string | undefined;
  readonly sha256?: string | undefined;
  readonly readImageInfo: ImageInfoReader;
};

export interface DownloadProgress {
  readonly kind: 'download';
  readonly url: string;
  readonly bytes: number;
  readonly total: number | undefined;
}

/** The typed trust verdict the app asks about before it offers "Flash". */
export type SourceTrust =
  | { readonly kind: 'signed'; readonly keyId: string; readonly algorithm: SignatureAlgorithm; readonly trustedComment: string }
  /** No signature: writable only after the user's explicit "I trust this file". */
  | { readonly kind: 'unsigned'; readonly accepted: boolean };

export interface ResolvedSource {
  /** What to hand to the write engine: a verified local file. */
  readonly image: string;
  /** Checksum for the write to confirm (the decoded image's when the catalog has it). */
  readonly sha256: string | undefined;
  readonly trust: SourceTrust;
  readonly catalogImage?: OfferedImage | undefined;
  readonly board?: Board | undefined;
  /** The image's own 3os/image.json, when it was read (non-catalog sources with a board). */
  readonly info?: ImageFacts | undefined;
  readonly downloaded: boolean;
}

export interface CatalogSession {
  readonly keys: readonly PublicKey[];
  readonly cache: ImageCache;
  readonly merged: MergedCatalog;
}

export function cacheOptionsFrom(opts: CatalogOptions): { dir?: string | undefined; limitBytes?: number | undefined; env?: NodeJS.ProcessEnv | undefined } {
  const envLimit = opts.env?.THREEOS_CACHE_LIMIT;
  return { dir: opts.cacheDir, limitBytes: opts.cacheLimitBytes ?? (envLimit === undefined ? undefined : parseSize(envLimit)), env: opts.env };
}

/** Open the cache, load the trusted keys and every catalog, merged. */
export async function openCatalogSession(opts: CatalogOptions): Promise<CatalogSession> {
  const cache = await ImageCache.open(cacheOptionsFrom(opts));
  const keys = await loadTrustedKeys(opts.trustedKeys ?? []);
  const sources = [...(opts.catalogs ?? []), ...(opts.bundled === false ? [] : ['bundled'])];
  const loaded: LoadedCatalog[] = [];
  for (const s of sources) {
    loaded.push(await loadCatalog(s, { keys, cache, offline: opts.offline, trustUnsigned: opts.trustUnsigned, ca: opts.ca, signal: opts.signal, onInfo: opts.onInfo }));
  }
  const merged = mergeCatalogs(loaded);
  for (const n of merged.notes) opts.onInfo?.(n);
  return { keys, cache, merged };
}

function unsignedError(what: string): FlashError {
  return new FlashError('E_UNSIGNED', `${what} is not signed; pass --trust-unsigned if you trust this file`, { phase: 'source' });
}

/** Fetch a signature text online, or fall back to the one stored in the cache (offline). */
async function signatureText(url: string, stored: string | undefined, opts: CatalogOptions): Promise<string | undefined> {
  if (opts.offline === true) return stored;
  try {
    return (await fetchSmall(url, 4096, { ca: opts.ca, signal: opts.signal, onInfo: opts.onInfo, retryDelayMs: 200 })).toString('utf8');
  } catch (e) {
    if (isFlashError(e) && e.code === 'E_NETWORK' && /HTTP (404|410)/.test(e.message)) return undefined;
    if (isFlashError(e) && e.code === 'E_NETWORK' && stored !== undefined) return stored;
    throw e;
  }
}

async function resolveCatalogImage(id: string, s: CatalogSession, board: Board | undefined, opts: ResolveOptions): Promise<ResolvedSource> {
  const img = findImage(s.merged, id);
  if (img === undefined) {
    throw new FlashError('E_CATALOG', `no image "${id}" in the catalogs (${s.merged.images.map((i) => i.id).join(', ') || 'none'})`, { phase: 'source' });
  }
  if (board !== undefined) {
    const fit = checkFit(img, board);
    if (!fit.fits) throw new FlashError('E_BOARD_MISMATCH', `image ${img.id} does not fit board ${board.id}: ${fit.reasons.join('; ')}`, { phase: 'source' });
  }
  const { sha256, size } = img.download;
  if (sha256 === undefined || size === undefined) {
    throw new FlashError('E_CATALOG', `image ${img.id} is not published yet (its catalog entry has no download size and sha256)`, { phase: 'source' });
  }
  const cached = s.cache.find(sha256);
  const stored = cached === undefined ? undefined : await s.cache.signatureOf(cached);
  const sigText = img.signatureUrl === undefined ? undefined : await signatureText(img.signatureUrl, stored, opts);
  if (img.signatureUrl !== undefined && sigText === undefined && opts.offline === true) {
    const what = cached === undefined ? `${img.id} is not in the cache` : `the signature of ${img.id} is not in the cache`;
    throw new FlashError('E_OFFLINE', `working offline and ${what} (${s.cache.dir})`, { phase: 'source' });
  }
  if (sigText === undefined && opts.trustUnsigned !== true) throw unsignedError(`image ${img.id}`);
  const r = await s.cache.fetch({
    url: img.url,
    sha256,
    size,
    imageId: img.id,
    offline: opts.offline,
    signature: sigText === undefined ? undefined : { text: sigText, keys: s.keys, what: `image ${img.id}` },
    ca: opts.ca,
    signal: opts.signal,
    onInfo: opts.onInfo,
    onProgress: (bytes, total) => opts.onDownload?.({ kind: 'download', url: redact(img.url), bytes, total: total ?? size }),
  });
  const trust: SourceTrust = r.signature === undefined
    ? { kind: 'unsigned', accepted: true }
    : { kind: 'signed', keyId: r.signature.keyId, algorithm: r.signature.algorithm, trustedComment: r.signature.trustedComment };
  let info: ImageFacts | undefined;
  if (board !== undefined && img.partitionTable === undefined && bootableTables(board).length < 2) {
    // The entry does not say its table and the board boots only one: the image's own decides.
    info = await opts.readImageInfo(r.path);
    const fit = checkFit({ arch: img.arch, boards: img.boards, partitionTable: info?.partitionTable }, board);
    if (!fit.fits) throw new FlashError('E_BOARD_MISMATCH', `image ${img.id} does not fit board ${board.id}: ${fit.reasons.join('; ')}`, { phase: 'source' });
  }
  return { image: r.path, sha256: img.decoded.sha256 ?? sha256, trust, catalogImage: img, board, info, downloaded: r.downloaded };
}

async function resolveFile(spec: string, s: CatalogSession, board: Board | undefined, userSha: string | undefined, opts: ResolveOptions): Promise<ResolvedSource> {
  let path = spec;
  let sigText: string | undefined;
  let downloaded = false;
  if (isHttpUrl(spec)) {
    const cached = s.cache.findByUrl(spec);
    sigText = await signatureText(`${spec}.minisig`, cached === undefined ? undefined : await s.cache.signatureOf(cached), opts);
    if (sigText === undefined && opts.trustUnsigned !== true) throw unsignedError(redact(spec));
    const r = await s.cache.fetch({
      url: spec, offline: opts.offline, contentChecked: userSha !== undefined,
      signature: sigText === undefined ? undefined : { text: sigText, keys: s.keys, what: redact(spec) },
      ca: opts.ca, signal: opts.signal, onInfo: opts.onInfo,
      onProgress: (bytes, total) => opts.onDownload?.({ kind: 'download', url: redact(spec), bytes, total }),
    });
    path = r.path;
    downloaded = r.downloaded;
    if (r.signature !== undefined) return finishFile(opts.readImageInfo, path, { kind: 'signed', keyId: r.signature.keyId, algorithm: r.signature.algorithm, trustedComment: r.signature.trustedComment }, board, userSha, downloaded);
  } else {
    const local = /^file:\/\//i.test(spec) ? fileURLToPath(spec) : spec;
    path = local;
    sigText = existsSync(`${local}.minisig`) ? (await fetchSmall(`${local}.minisig`, 4096)).toString('utf8') : undefined;
    if (sigText !== undefined) {
      const v = await verifyFile(local, sigText, s.keys, local);
      return finishFile(opts.readImageInfo, path, { kind: 'signed', keyId: v.keyId, algorithm: v.algorithm, trustedComment: v.trustedComment }, board, userSha, downloaded);
    }
    if (opts.trustUnsigned !== true) throw unsignedError(local);
  }
  return finishFile(opts.readImageInfo, path, { kind: 'unsigned', accepted: true }, board, userSha, downloaded);
}

async function finishFile(readImageInfo: ImageInfoReader, path: string, trust: SourceTrust, board: Board | undefined, userSha: string | undefined, downloaded: boolean): Promise<ResolvedSource> {
  let info: ImageFacts | undefined;
  if (board !== undefined) {
    info = await readImageInfo(path);
    if (info === undefined) {
      throw new FlashError('E_BOARD_MISMATCH', `${path} has no 3os/image.json, so it cannot be checked against board ${board.id} (leave out --board to write it anyway)`, { phase: 'source' });
    }
    const fit = checkFit(info, board);
    if (!fit.fits) throw new FlashError('E_BOARD_MISMATCH', `${path} does not fit board ${board.id}: ${fit.reasons.join('; ')}`, { phase: 'source' });
  }
  return { image: path, sha256: userSha, trust, board, info, downloaded };
}

/**
 * Resolve a write source through the catalog and trust rules. Throws FlashError: E_CATALOG,
 * E_UNSIGNED (ask the user, then call again with trustUnsigned), E_SIGNATURE, E_UNTRUSTED_KEY,
 * E_CHECKSUM, E_OVERSIZE, E_INSECURE, E_OFFLINE, E_BOARD_MISMATCH, E_NETWORK.
 */
export async function resolveSource(spec: string, opts: ResolveOptions): Promise<ResolvedSource> {
  const s = await openCatalogSession(opts);
  const board = opts.board === undefined ? undefined : findBoard(s.merged, opts.board);
  const id = catalogIdOf(spec);
  if (id !== undefined) {
    if (!id.explicit && findImage(s.merged, id.id) === undefined) {
      throw new FlashError('E_SOURCE_MISSING', `${spec}: no such file, and no catalog image with that id (catalog images: ${s.merged.images.map((i) => i.id).join(', ') || 'none'})`, { phase: 'source' });
    }
    return resolveCatalogImage(id.id, s, board, opts);
  }
  return resolveFile(spec, s, board, opts.sha256, opts);
}

/** The verdict without throwing, for the app: E_UNSIGNED means "ask the user". */
export type TrustCheck = { readonly ok: true; readonly source: ResolvedSource } | { readonly ok: false; readonly needsConsent: boolean; readonly error: WireError };

export async function checkSource(spec: string, opts: ResolveOptions): Promise<TrustCheck> {
  try {
    return { ok: true, source: await resolveSource(spec, opts) };
  } catch (e) {
    if (!isFlashError(e)) throw e;
    return { ok: false, needsConsent: e.code === 'E_UNSIGNED', error: e.toJSON() };
  }
}
