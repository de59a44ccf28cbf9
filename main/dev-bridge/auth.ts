/**
 * Who may use the dev bridge: only a page served by the bridge itself, on this machine.
 * The bridge listens on 127.0.0.1 only; the Host header must name that address and port (so a
 * DNS-rebinding page cannot reach it through another name), the WebSocket's Origin must be the
 * bridge's own origin (so another site open in the browser cannot connect), and the URL must
 * carry the random token printed at start (so another local user or program cannot either).
 * Pure functions, tested directly.
 */
import { timingSafeEqual } from 'node:crypto';

export interface BridgeIdentity {
  readonly port: number;
  readonly token: string;
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly status: 400 | 401 | 403; readonly reason: string };

const HOSTS = ['127.0.0.1'];

export function hostAllowed(host: string | undefined, id: BridgeIdentity): boolean {
  return host !== undefined && HOSTS.some((h) => host === `${h}:${id.port}`);
}

export function originAllowed(origin: string | undefined, id: BridgeIdentity): boolean {
  return origin !== undefined && HOSTS.some((h) => origin === `http://${h}:${id.port}`);
}

export function tokenMatches(given: string | null | undefined, id: BridgeIdentity): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(id.token, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Check a WebSocket upgrade request (url is the request path with its query). */
export function checkUpgrade(req: { readonly url: string | undefined; readonly host: string | undefined; readonly origin: string | undefined }, id: BridgeIdentity): Verdict {
  if (!hostAllowed(req.host, id)) return { ok: false, status: 403, reason: `host ${req.host ?? '(none)'} is not this bridge` };
  if (!originAllowed(req.origin, id)) return { ok: false, status: 403, reason: `origin ${req.origin ?? '(none)'} is not this bridge` };
  let url: URL;
  try {
    url = new URL(req.url ?? '/', `http://127.0.0.1:${id.port}`);
  } catch {
    return { ok: false, status: 400, reason: 'bad request URL' };
  }
  if (url.pathname !== '/api') return { ok: false, status: 400, reason: 'not the API path' };
  if (!tokenMatches(url.searchParams.get('token'), id)) return { ok: false, status: 401, reason: 'missing or wrong token' };
  return { ok: true };
}

/** Check a plain HTTP request for the UI's files (public code; only the Host is checked). */
export function checkPage(host: string | undefined, id: BridgeIdentity): Verdict {
  return hostAllowed(host, id) ? { ok: true } : { ok: false, status: 403, reason: `host ${host ?? '(none)'} is not this bridge` };
}

/** CSP of the pages the bridge serves: the app's policy, plus its own WebSocket. */
export function bridgeCsp(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
