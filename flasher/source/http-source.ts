/**
 * http(s) image downloads as one seamless stream. Redirects are followed (at most 5). When the
 * connection drops, times out or ends short, the rest is re-requested with `Range: bytes=N-`
 * (plus `If-Range` with the strong ETag or Last-Modified, so a file that changed on the server is
 * never spliced), with exponential backoff and a bounded number of consecutive failures. A server
 * that answers a resume with 200 (ignoring Range) or a wrong Content-Range is a clear E_NETWORK.
 * A byte window [start, end) can be requested too (zip over http reads its directory that way).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';
import { FlashError } from '../errors.js';

export interface HttpOptions {
  readonly signal?: AbortSignal | undefined;
  readonly onInfo?: ((msg: string) => void) | undefined;
  /** First byte to fetch (default 0). */
  readonly start?: number | undefined;
  /** One past the last byte to fetch (default: the end of the resource). */
  readonly end?: number | undefined;
  /** Consecutive failed attempts allowed before giving up (default 5). */
  readonly maxRetries?: number | undefined;
  /** First backoff delay; doubles per consecutive failure, capped at 10 s (default 500 ms). */
  readonly retryDelayMs?: number | undefined;
  /** Socket idle timeout (default 60 s). */
  readonly timeoutMs?: number | undefined;
  /** Extra trusted CA certificate(s) (PEM) for https, e.g. a company proxy's or a test server's. */
  readonly ca?: string | Buffer | undefined;
}

const MAX_REDIRECTS = 5;
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export function isHttpUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

function netError(msg: string, cause?: unknown): FlashError {
  return new FlashError('E_NETWORK', msg, { phase: 'source', cause });
}

/** An attempt failed in a way worth retrying (connection reset, 5xx, short body). */
class Retryable extends Error {}

function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`; // never echo query strings (tokens)
  } catch {
    return url;
  }
}

/**
 * One GET with redirects; resolves with the final response (any status) and its URL.
 * A redirect from https to plain http is refused (E_INSECURE): it would drop the transport's
 * integrity and confidentiality behind the user's back.
 */
function get(url: string, headers: Record<string, string>, signal: AbortSignal | undefined, timeoutMs: number, redirects = 0, ca?: string | Buffer): Promise<{ res: http.IncomingMessage; url: string }> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch (e) {
      reject(netError(`bad URL: ${url}`, e));
      return;
    }
    const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : undefined;
    if (mod === undefined) {
      reject(netError(`unsupported URL scheme ${u.protocol} (use http or https)`));
      return;
    }
    const req = mod.get(u, { headers: { 'user-agent': '3os-flasher', 'accept-encoding': 'identity', ...headers }, signal, ...(ca === undefined ? {} : { ca }) });
    req.setTimeout(timeoutMs, () => req.destroy(new Retryable(`no data for ${timeoutMs / 1000} s`)));
    req.once('error', (e) => {
      if (signal?.aborted === true) reject(new FlashError('E_CANCELLED', 'download cancelled', { phase: 'source' }));
      else if (e instanceof Retryable) reject(e);
      else if ((e as NodeJS.ErrnoException).code === 'ENOTFOUND') reject(netError(`cannot resolve host ${u.hostname}`, e));
      else reject(new Retryable(`${e.message}`));
    });
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      const loc = res.headers.location;
      if ([301, 302, 303, 307, 308].includes(status) && loc !== undefined) {
        res.resume();
        if (redirects >= MAX_REDIRECTS) {
          reject(netError(`too many redirects (more than ${MAX_REDIRECTS}) for ${describe(url)}`));
          return;
        }
        const next = new URL(loc, u);
        if (u.protocol === 'https:' && next.protocol !== 'https:') {
          reject(new FlashError('E_INSECURE', `refused a redirect from https to ${next.protocol.replace(':', '')}: ${describe(url)} -> ${describe(next.toString())}`, { phase: 'source' }));
          return;
        }
        get(next.toString(), headers, signal, timeoutMs, redirects + 1, ca).then(resolve, reject);
        return;
      }
      resolve({ res, url: u.toString() });
    });
  });
}

function strongEtag(etag: string | undefined): string | undefined {
  return etag !== undefined && !etag.startsWith('W/') ? etag : undefined;
}

/** Parse `bytes A-B/T`; T may be `*`. */
export function parseContentRange(v: string | undefined): { start: number; end: number; total: number | undefined } | undefined {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(v?.trim() ?? '');
  if (m === null) return undefined;
  return { start: Number(m[1]), end: Number(m[2]) + 1, total: m[3] === '*' ? undefined : Number(m[3]) };
}

export class HttpSource extends Readable {
  /** Size of the whole resource, when the server said. */
  public totalSize: number | undefined;
  /** URL after redirects. */
  public finalUrl: string;
  public acceptsRanges = false;
  private res: http.IncomingMessage | undefined;
  private pos: number;
  private end: number | undefined;
  private validator: string | undefined;
  private failures = 0;
  private readonly maxRetries: number;
  private readonly delay: number;
  private readonly timeoutMs: number;
  private readonly ac = new AbortController();
  private readonly onAbort = (): void => {
    this.destroy(new FlashError('E_CANCELLED', 'download cancelled', { phase: 'source' }));
  };

  private constructor(
    private readonly url: string,
    private readonly opts: HttpOptions,
  ) {
    super({ highWaterMark: 1 << 20 });
    this.finalUrl = url;
    this.pos = opts.start ?? 0;
    this.end = opts.end;
    this.maxRetries = opts.maxRetries ?? 5;
    this.delay = opts.retryDelayMs ?? 500;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Connect and wait for the first response, so 404 & co. surface here rather than mid-stream. */
  public static async open(url: string, opts: HttpOptions = {}): Promise<HttpSource> {
    const s = new HttpSource(url, opts);
    try {
      await s.connect(true);
    } catch (e) {
      s.destroy();
      throw e;
    }
    if (s.destroyed) throw new FlashError('E_CANCELLED', 'download cancelled', { phase: 'source' });
    return s;
  }

  /** Bytes delivered so far, counted from `start`. */
  public get received(): number {
    return this.pos - (this.opts.start ?? 0);
  }

  private async connect(first: boolean): Promise<void> {
    for (;;) {
      if (this.destroyed) return;
      try {
        await this.request(first);
        return;
      } catch (e) {
        if (!(e instanceof Retryable)) throw e;
        this.failures++;
        if (this.failures > this.maxRetries) {
          throw netError(`download of ${describe(this.url)} failed after ${this.maxRetries} retries at byte ${this.pos}: ${e.message}`, e);
        }
        const wait = Math.min(this.delay * 2 ** (this.failures - 1), 10_000);
        this.opts.onInfo?.(`download interrupted at byte ${this.pos} (${e.message}); retrying in ${wait} ms (${this.failures}/${this.maxRetries})`);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private async request(first: boolean): Promise<void> {
    const headers: Record<string, string> = {};
    // Ask for an explicit end only when the caller wants a window; otherwise "to the end".
    const want = this.opts.end;
    const ranged = this.pos > 0 || want !== undefined;
    if (ranged) headers.range = `bytes=${this.pos}-${want === undefined ? '' : want - 1}`;
    if (!first && this.validator !== undefined) headers['if-range'] = this.validator;
    const { res, url } = await get(this.url, headers, this.ac.signal, this.timeoutMs, 0, this.opts.ca);
    const status = res.statusCode ?? 0;
    if (status === 404 || status === 410 || (status >= 400 && !RETRYABLE_STATUS.has(status))) {
      res.resume();
      throw netError(`HTTP ${status} ${res.statusMessage ?? ''} for ${describe(url)}`.trim());
    }
    if (RETRYABLE_STATUS.has(status) || status >= 500) {
      res.resume();
      throw new Retryable(`HTTP ${status}`);
    }
    if (status !== 200 && status !== 206) {
      res.resume();
      throw netError(`unexpected HTTP ${status} for ${describe(url)}`);
    }
    if (ranged && status === 200) {
      res.resume();
      if (first && this.pos === 0 && want !== undefined) throw netError(`the server of ${describe(url)} does not support byte ranges (HTTP 200 to a Range request)`);
      throw netError(
        first
          ? `the server of ${describe(url)} ignored the Range request (HTTP 200): it cannot serve part of the file`
          : `cannot resume the download of ${describe(url)} at byte ${this.pos}: the server ignored the Range request (HTTP 200)${this.validator === undefined ? '' : ', or the file changed on the server'}`,
      );
    }
    const len = res.headers['content-length'] === undefined ? undefined : Number(res.headers['content-length']);
    if (status === 206) {
      const cr = parseContentRange(res.headers['content-range']);
      if (cr === undefined || cr.start !== this.pos) {
        res.resume();
        throw netError(`the server of ${describe(url)} answered a Range request for byte ${this.pos} with Content-Range "${res.headers['content-range'] ?? ''}"`);
      }
      if (first) this.totalSize = cr.total;
      if (this.end === undefined && cr.total !== undefined) this.end = cr.total;
    } else if (first && len !== undefined && Number.isFinite(len)) {
      this.totalSize = len;
      this.end = len;
    }
    if (first) {
      this.finalUrl = url;
      this.acceptsRanges = /bytes/i.test(String(res.headers['accept-ranges'] ?? '')) || status === 206;
      const lm = res.headers['last-modified'];
      this.validator = strongEtag(res.headers.etag) ?? lm;
    }
    this.attach(res);
  }

  private attach(res: http.IncomingMessage): void {
    this.res = res;
    let done = false;
    const finish = (why: string | undefined): void => {
      if (done) return;
      done = true;
      this.res = undefined;
      if (this.destroyed) return;
      const short = this.end !== undefined && this.pos < this.end;
      if (why === undefined && !short) {
        this.push(null);
        return;
      }
      if (this.end !== undefined && this.pos > this.end) {
        this.destroy(netError(`the server sent more bytes than announced for ${describe(this.url)}`));
        return;
      }
      const reason = why ?? `connection ended at byte ${this.pos} of ${this.end}`;
      this.opts.onInfo?.(`resuming ${describe(this.url)} at byte ${this.pos} (${reason})`);
      this.connect(false).catch((e: unknown) => this.destroy(e instanceof Error ? e : new Error(String(e))));
    };
    res.on('data', (chunk: Buffer) => {
      if (this.destroyed) return;
      this.pos += chunk.length;
      this.failures = 0;
      if (!this.push(chunk)) res.pause();
    });
    res.once('end', () => finish(res.complete ? undefined : 'connection closed early'));
    res.once('error', (e) => finish(e.message));
    res.once('close', () => finish(res.complete ? undefined : 'connection closed early'));
  }

  public override _read(): void {
    this.res?.resume();
  }

  public override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.ac.abort();
    this.res?.destroy();
    cb(err);
  }
}
