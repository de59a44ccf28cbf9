/**
 * The dev bridge: serves the built renderer over http://127.0.0.1:<port> and the contract's
 * requests over a WebSocket at /api, to the real backend, so the UI runs in a plain browser
 * (tests with Playwright + Chromium, `npm run dev:web`). Checks in auth.ts: 127.0.0.1 only,
 * Host and Origin checked, a random token in the URL. Each socket is one UI client: its events
 * go to it alone and what it started (watchers, jobs, serial sessions) ends when it closes.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Backend } from '../backend/backend.js';
import type { ClientContext } from '../ipc/contract.js';
import { dispatch } from '../ipc/dispatch.js';
import { MAX_WIRE_BYTES, wireRequestSchema, type WireToClient } from '../ipc/wire.js';
import { contentTypeOf } from '../electron/app-files.js';
import { bridgeCsp, checkPage, checkUpgrade, type BridgeIdentity } from './auth.js';

export interface DevBridgeOptions {
  readonly backend: Backend;
  /** The built renderer (vite build output). */
  readonly rendererDir: string;
  /** 0 (default) picks a free port. */
  readonly port?: number | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export interface DevBridge {
  /** The URL to open, token included. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** The file under root for a URL path, never outside root. */
export function staticFile(root: string, urlPath: string): string | undefined {
  let p: string;
  try {
    p = decodeURIComponent(new URL(urlPath, 'http://x').pathname);
  } catch {
    return undefined;
  }
  if (p.includes('\0') || p.includes('\\') || p.split('/').includes('..')) return undefined;
  const rel = normalize(p === '/' ? '/index.html' : p).replace(/^\/+/, '');
  if (rel.split('/').includes('..')) return undefined;
  const file = join(root, rel);
  return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : undefined;
}

function send(ws: WebSocket, m: WireToClient): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
}

function socketClient(ws: WebSocket, n: number): { client: ClientContext; closed: () => Promise<void> } {
  const closers: Array<() => void | Promise<void>> = [];
  return {
    client: {
      id: `ws-${n}`,
      emit: (name, payload) => send(ws, { type: 'event', name, payload }),
      onClose: (fn) => void closers.push(fn),
    },
    closed: async () => {
      for (const f of closers) await Promise.resolve(f()).catch(() => undefined);
    },
  };
}

export async function startDevBridge(opts: DevBridgeOptions): Promise<DevBridge> {
  const token = randomBytes(24).toString('hex');
  const log = opts.log ?? (() => undefined);
  const id: { port: number; token: string } = { port: 0, token };
  const serveFile = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const v = checkPage(req.headers.host, id);
    if (!v.ok) {
      res.writeHead(v.status).end(v.reason);
      return;
    }
    const file = staticFile(opts.rendererDir, req.url ?? '/');
    let body: Buffer | undefined;
    if (file !== undefined) body = await readFile(file).catch(() => undefined);
    if (file === undefined || body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': contentTypeOf(extname(file) === '' ? `${file}.html` : file),
      'Content-Security-Policy': bridgeCsp(id.port),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    });
    res.end(body);
  };
  const server = createServer((req, res) => void serveFile(req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WIRE_BYTES });
  let clients = 0;
  server.on('upgrade', (req, socket, head) => {
    const v = checkUpgrade({ url: req.url, host: req.headers.host, origin: req.headers.origin }, id);
    if (!v.ok) {
      log(`refused a connection: ${v.reason}`);
      socket.end(`HTTP/1.1 ${v.status} ${v.status === 401 ? 'Unauthorized' : v.status === 400 ? 'Bad Request' : 'Forbidden'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws: WebSocket) => {
    const { client, closed } = socketClient(ws, ++clients);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'));
      } catch {
        return;
      }
      const r = wireRequestSchema.safeParse(parsed);
      if (!r.success) return;
      const { id: reqId, name, payload } = r.data;
      void dispatch(opts.backend.handlers, name, payload, client).then((reply) => send(ws, { type: 'reply', id: reqId, reply }));
    });
    ws.on('close', () => void closed());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  id.port = (server.address() as AddressInfo).port;
  const identity: BridgeIdentity = id;
  return {
    url: `http://127.0.0.1:${identity.port}/?token=${token}`,
    port: identity.port,
    token,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
