/**
 * The download cache: "download once". Images are stored by content (their SHA-256) under
 * images/, with their .minisig beside them, so a cached file can be re-verified offline. A file
 * is checked (size, SHA-256 and, when given, its signature, in one pass) every time it is reused;
 * a corrupted one is discarded. Downloads go to partial/<key>.part and resume from there (also
 * after a restart); a finished, verified download is renamed into place (atomic), then the index
 * is rewritten atomically. The cache keeps to a size limit by evicting the least recently used.
 *
 * One process at a time is assumed to change a cache folder (last index write wins otherwise).
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { FlashError, isFlashError, sysCode } from '../errors.js';
import {
  DEFAULT_CACHE_LIMIT, defaultCacheDir, readIndex, writeFileAtomic, writeIndex,
  type CacheEntry, type CacheIndex, type CachedCatalogEntry,
} from './cache-index.js';
import { downloadToPart, redact, type DownloadOptions } from './download.js';
import { verifyFile, type PublicKey, type VerifiedSignature } from './minisign.js';

export type { CacheEntry, CachedCatalogEntry } from './cache-index.js';

export interface CacheOptions {
  /** Cache folder (default: defaultCacheDir(env)). */
  readonly dir?: string | undefined;
  /** Size limit in bytes for images (default 16 GiB). */
  readonly limitBytes?: number | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Clock, for tests. */
  readonly now?: (() => number) | undefined;
}

export interface SignatureCheck {
  readonly text: string;
  readonly keys: readonly PublicKey[];
  /** How to name the file in messages. */
  readonly what: string;
}

export interface FetchRequest extends Omit<DownloadOptions, 'maxBytes'> {
  readonly url: string;
  /** Expected SHA-256 of the file; pins it (and allows plain http). */
  readonly sha256?: string | undefined;
  /** Expected size; bounds the download. */
  readonly size?: number | undefined;
  readonly imageId?: string | undefined;
  /** Use only the cache; never touch the network. */
  readonly offline?: boolean | undefined;
  /** Plain http is acceptable without `sha256` because the caller checks the content otherwise (a user-given checksum). */
  readonly contentChecked?: boolean | undefined;
  /** Checked over the file in the same pass as the SHA-256; stored beside the file when it passes. */
  readonly signature?: SignatureCheck | undefined;
}

export interface FetchResult {
  readonly path: string;
  readonly entry: CacheEntry;
  /** True when the file came over the network this time. */
  readonly downloaded: boolean;
  readonly signature: VerifiedSignature | undefined;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class ImageCache {
  private constructor(
    public readonly dir: string,
    public readonly limitBytes: number,
    private index: CacheIndex,
    private readonly now: () => number,
  ) {}

  public static async open(opts: CacheOptions = {}): Promise<ImageCache> {
    const dir = opts.dir ?? defaultCacheDir(opts.env);
    try {
      for (const sub of ['images', 'partial', 'catalogs']) await fsp.mkdir(join(dir, sub), { recursive: true, mode: 0o755 });
    } catch (e) {
      throw new FlashError('E_SOURCE_UNREADABLE', `cannot use the cache folder ${dir}: ${sysCode(e) ?? String(e)}`, { phase: 'source', cause: e });
    }
    const index = await readIndex(dir);
    const kept: CacheEntry[] = [];
    for (const e of index.images) {
      if ((await fsp.stat(join(dir, 'images', e.key)).catch(() => undefined))?.isFile() === true) kept.push(e);
    }
    index.images = kept;
    return new ImageCache(dir, opts.limitBytes ?? DEFAULT_CACHE_LIMIT, index, opts.now ?? Date.now);
  }

  public entries(): readonly CacheEntry[] {
    return [...this.index.images].sort((a, b) => b.lastUsed - a.lastUsed);
  }

  public totalBytes(): number {
    return this.index.images.reduce((n, e) => n + e.size, 0);
  }

  public pathOf(e: CacheEntry): string {
    return join(this.dir, 'images', e.key);
  }

  public find(sha256: string): CacheEntry | undefined {
    return this.index.images.find((e) => e.key === sha256.toLowerCase());
  }

  public findByUrl(url: string): CacheEntry | undefined {
    return this.entries().find((e) => e.url === url);
  }

  /** Get a file: from the cache (re-verified) or downloaded into it. */
  public async fetch(req: FetchRequest): Promise<FetchResult> {
    const want = req.sha256?.toLowerCase();
    const cached = want !== undefined ? this.find(want) : this.findByUrl(req.url);
    if (cached !== undefined) {
      try {
        const sig = await this.check(this.pathOf(cached), cached.key, req.size, req.signature);
        await this.touch(cached, req);
        return { path: this.pathOf(cached), entry: cached, downloaded: false, signature: sig };
      } catch (e) {
        if (isFlashError(e) && e.code === 'E_UNTRUSTED_KEY') throw e;
        req.onInfo?.(`cached copy of ${redact(req.url)} failed its check (${e instanceof Error ? e.message : String(e)}); discarding it`);
        await this.remove(cached.key);
        if (req.offline === true) throw e;
      }
    }
    if (req.offline === true) {
      throw new FlashError('E_OFFLINE', `working offline and ${req.imageId ?? redact(req.url)} is not in the cache (${this.dir})`, { phase: 'source' });
    }
    if (/^http:\/\//i.test(req.url) && want === undefined && req.contentChecked !== true) {
      throw new FlashError('E_INSECURE', `refusing to download ${redact(req.url)} over plain http without a pinned sha256 (use https, or give the checksum)`, { phase: 'source' });
    }
    const part = join(this.dir, 'partial', `${want ?? sha256Hex(req.url)}.part`);
    await this.makeRoom(req.size ?? 0);
    await downloadToPart(req.url, part, { ...req, maxBytes: req.size });
    let actual: string;
    let sig: VerifiedSignature | undefined;
    try {
      actual = await this.hashOnly(part);
      if (want !== undefined && actual !== want) {
        throw new FlashError('E_CHECKSUM', `checksum mismatch for ${redact(req.url)}: expected ${want}, downloaded ${actual}`, { phase: 'source' });
      }
      sig = await this.check(part, actual, req.size, req.signature);
    } catch (e) {
      await fsp.rm(part, { force: true });
      throw e;
    }
    const entry = await this.admit(part, actual, req);
    return { path: this.pathOf(entry), entry, downloaded: true, signature: sig };
  }

  /** `cache add FILE`: copy a local file in (its key is its SHA-256). */
  public async add(file: string, meta: { imageId?: string; url?: string; signatureText?: string } = {}): Promise<CacheEntry> {
    const part = join(this.dir, 'partial', `add-${process.pid}-${sha256Hex(file + String(this.now()))}.part`);
    await fsp.rm(part, { force: true });
    const st = await fsp.stat(file).catch((e: unknown) => {
      throw new FlashError('E_SOURCE_MISSING', `cannot read ${file}: ${sysCode(e) ?? String(e)}`, { phase: 'source', cause: e });
    });
    await this.makeRoom(st.size);
    await downloadToPart(file, part);
    const key = await this.hashOnly(part);
    const existing = this.find(key);
    if (existing !== undefined) {
      await fsp.rm(part, { force: true });
      await this.touch(existing, {});
      return existing;
    }
    return this.admit(part, key, { url: meta.url, imageId: meta.imageId, signature: meta.signatureText === undefined ? undefined : { text: meta.signatureText, keys: [], what: file } });
  }

  public async remove(key: string): Promise<void> {
    await fsp.rm(join(this.dir, 'images', key), { force: true });
    await fsp.rm(join(this.dir, 'images', `${key}.minisig`), { force: true });
    this.index.images = this.index.images.filter((e) => e.key !== key);
    await writeIndex(this.dir, this.index);
  }

  /** Remove every image, partial download and cached catalog. Returns the bytes freed. */
  public async clear(): Promise<number> {
    const freed = this.totalBytes();
    for (const sub of ['images', 'partial', 'catalogs']) {
      await fsp.rm(join(this.dir, sub), { recursive: true, force: true });
      await fsp.mkdir(join(this.dir, sub), { recursive: true });
    }
    this.index = { version: 1, images: [], catalogs: [] };
    await writeIndex(this.dir, this.index);
    return freed;
  }

  /** The stored .minisig of a cached image, for offline verification. */
  public async signatureOf(e: CacheEntry): Promise<string | undefined> {
    if (!e.hasSignature) return undefined;
    return fsp.readFile(join(this.dir, 'images', `${e.key}.minisig`), 'utf8').catch(() => undefined);
  }

  // ---- catalogs (kept for offline use; not counted against the size limit) ----

  public async saveCatalog(url: string, body: Buffer, signature: string | undefined): Promise<void> {
    const file = sha256Hex(url);
    await writeFileAtomic(join(this.dir, 'catalogs', `${file}.json`), body);
    const sigPath = join(this.dir, 'catalogs', `${file}.minisig`);
    if (signature !== undefined) await writeFileAtomic(sigPath, signature);
    else await fsp.rm(sigPath, { force: true });
    this.index.catalogs = [...this.index.catalogs.filter((c) => c.url !== url), { url, file, hasSignature: signature !== undefined, fetched: this.now() }];
    await writeIndex(this.dir, this.index);
  }

  public async loadCatalog(url: string): Promise<{ body: Buffer; signature: string | undefined; fetched: number } | undefined> {
    const c: CachedCatalogEntry | undefined = this.index.catalogs.find((x) => x.url === url);
    if (c === undefined) return undefined;
    try {
      const body = await fsp.readFile(join(this.dir, 'catalogs', `${c.file}.json`));
      const signature = c.hasSignature ? await fsp.readFile(join(this.dir, 'catalogs', `${c.file}.minisig`), 'utf8') : undefined;
      return { body, signature, fetched: c.fetched };
    } catch {
      return undefined;
    }
  }

  // ---- internals ----

  private async hashOnly(path: string): Promise<string> {
    const h = createHash('sha256');
    for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
    return h.digest('hex');
  }

  /** One pass: size, SHA-256 and (optionally) the signature. */
  private async check(path: string, key: string, size: number | undefined, signature: SignatureCheck | undefined): Promise<VerifiedSignature | undefined> {
    const st = await fsp.stat(path);
    if (size !== undefined && st.size !== size) {
      throw new FlashError('E_CHECKSUM', `size mismatch: expected ${size} bytes, the file has ${st.size}`, { phase: 'source' });
    }
    const h = createHash('sha256');
    let hashed = 0;
    const feed = (c: Buffer): void => {
      h.update(c);
      hashed += c.length;
    };
    let sig: VerifiedSignature | undefined;
    let sigError: Error | undefined;
    try {
      if (signature !== undefined) sig = await verifyFile(path, signature.text, signature.keys, signature.what, feed);
    } catch (e) {
      if (isFlashError(e) && e.code === 'E_UNTRUSTED_KEY') throw e;
      sigError = e instanceof Error ? e : new Error(String(e));
    }
    // A checksum mismatch is the clearer verdict, so it is reported before a bad signature.
    if (hashed !== st.size) {
      const again = createHash('sha256');
      for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) again.update(c as Buffer);
      const got = again.digest('hex');
      if (got !== key) throw new FlashError('E_CHECKSUM', `checksum mismatch: expected ${key}, the file is ${got}`, { phase: 'source' });
    } else {
      const got = h.digest('hex');
      if (got !== key) throw new FlashError('E_CHECKSUM', `checksum mismatch: expected ${key}, the file is ${got}`, { phase: 'source' });
    }
    if (sigError !== undefined) throw sigError;
    return sig;
  }

  private async touch(e: CacheEntry, req: { readonly url?: string | undefined; readonly imageId?: string | undefined }): Promise<void> {
    e.lastUsed = this.now();
    if (req.url !== undefined) e.url = req.url;
    if (req.imageId !== undefined) e.imageId = req.imageId;
    await writeIndex(this.dir, this.index);
  }

  /** Move a verified .part into images/ and record it. */
  private async admit(part: string, key: string, req: { readonly url?: string | undefined; readonly imageId?: string | undefined; readonly signature?: SignatureCheck | undefined }): Promise<CacheEntry> {
    const size = (await fsp.stat(part)).size;
    await fsp.rename(part, join(this.dir, 'images', key));
    if (req.signature !== undefined) await writeFileAtomic(join(this.dir, 'images', `${key}.minisig`), req.signature.text);
    const t = this.now();
    const entry: CacheEntry = { key, size, url: req.url, imageId: req.imageId, hasSignature: req.signature !== undefined, added: t, lastUsed: t };
    this.index.images = [...this.index.images.filter((e) => e.key !== key), entry];
    await writeIndex(this.dir, this.index);
    await this.makeRoom(0, key);
    return entry;
  }

  /** Evict least recently used images until `incoming` more bytes fit under the limit. */
  private async makeRoom(incoming: number, keep?: string): Promise<void> {
    const byAge = [...this.index.images].sort((a, b) => a.lastUsed - b.lastUsed);
    let total = this.totalBytes();
    for (const e of byAge) {
      if (total + incoming <= this.limitBytes) break;
      if (e.key === keep) continue;
      await this.remove(e.key);
      total -= e.size;
    }
  }
}
