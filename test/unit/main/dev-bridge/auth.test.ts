// The dev bridge's gate: Host, Origin and token are all required; and the real server refuses
// a WebSocket that fails any of them, while serving its own page's socket.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Backend } from '../../../../main/backend/backend.js';
import { REQUEST_NAMES } from '../../../../main/ipc/channels.js';
import type { Handlers } from '../../../../main/ipc/contract.js';
import { bridgeCsp, checkPage, checkUpgrade, tokenMatches } from '../../../../main/dev-bridge/auth.js';
import { startDevBridge, staticFile, type DevBridge } from '../../../../main/dev-bridge/server.js';

const id = { port: 4321, token: 'a'.repeat(48) };
const good = { url: `/api?token=${id.token}`, host: '127.0.0.1:4321', origin: 'http://127.0.0.1:4321' };

describe('checkUpgrade', () => {
  it('accepts the bridge page itself', () => {
    expect(checkUpgrade(good, id)).toEqual({ ok: true });
  });
  it.each([
    ['another host name (DNS rebinding)', { ...good, host: 'evil.example:4321' }, 403],
    ['localhost on another port', { ...good, host: '127.0.0.1:1' }, 403],
    ['no host', { ...good, host: undefined }, 403],
    ['another origin', { ...good, origin: 'https://evil.example' }, 403],
    ['no origin (a non-browser client)', { ...good, origin: undefined }, 403],
    ['a null origin', { ...good, origin: 'null' }, 403],
    ['no token', { ...good, url: '/api' }, 401],
    ['a wrong token', { ...good, url: `/api?token=${'b'.repeat(48)}` }, 401],
    ['a token prefix', { ...good, url: `/api?token=${'a'.repeat(47)}` }, 401],
    ['another path', { ...good, url: `/other?token=${id.token}` }, 400],
  ])('refuses %s', (_what, req, status) => {
    expect(checkUpgrade(req, id)).toMatchObject({ ok: false, status });
  });
  it('compares tokens in full', () => {
    expect(tokenMatches(id.token, id)).toBe(true);
    expect(tokenMatches(`${id.token}x`, id)).toBe(false);
    expect(tokenMatches(null, id)).toBe(false);
  });
  it('checks the Host of page requests and allows its own socket in the CSP', () => {
    expect(checkPage('127.0.0.1:4321', id)).toEqual({ ok: true });
    expect(checkPage('attacker.example', id).ok).toBe(false);
    expect(bridgeCsp(4321)).toContain("connect-src 'self' ws://127.0.0.1:4321");
    expect(bridgeCsp(4321)).not.toMatch(/unsafe-/);
  });
  it('serves files only from inside the renderer folder', () => {
    expect(staticFile('/r', '/')).toBe('/r/index.html');
    expect(staticFile('/r', '/assets/a.js?x=1')).toBe('/r/assets/a.js');
    expect(staticFile('/r', '/..%2f..%2fetc/passwd')).toBeUndefined();
    expect(staticFile('/r', '/a%00b')).toBeUndefined();
  });
});

describe('the bridge server', () => {
  let dir: string;
  let bridge: DevBridge;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), '3os-bridge-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    const handlers = Object.fromEntries(REQUEST_NAMES.map((n) => [n, () => Promise.resolve({ name: n })])) as unknown as Handlers;
    const backend: Backend = { handlers, close: () => Promise.resolve() };
    bridge = await startDevBridge({ backend, rendererDir: dir });
  });
  afterAll(async () => {
    await bridge.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = (url: string, origin: string | undefined): Promise<{ ws: WebSocket; opened: boolean }> =>
    new Promise((resolve) => {
      const ws = new WebSocket(url, origin === undefined ? {} : { origin });
      ws.once('open', () => resolve({ ws, opened: true }));
      ws.once('error', () => resolve({ ws, opened: false }));
    });

  it('listens on 127.0.0.1 and serves the page with its CSP', async () => {
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    const r = await fetch(bridge.url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toBe(bridgeCsp(bridge.port));
  });
  it('answers requests over an authorised socket and validates payloads', async () => {
    const { ws, opened } = await open(`ws://127.0.0.1:${bridge.port}/api?token=${bridge.token}`, `http://127.0.0.1:${bridge.port}`);
    expect(opened).toBe(true);
    const replies: unknown[] = [];
    const got = new Promise<void>((resolve) =>
      ws.on('message', (d: Buffer) => {
        replies.push(JSON.parse(d.toString('utf8')));
        if (replies.length === 2) resolve();
      }),
    );
    ws.send(JSON.stringify({ id: 1, name: 'watchDrives', payload: { includeLoop: true } }));
    ws.send(JSON.stringify({ id: 2, name: 'watchDrives', payload: { includeLoop: 'yes' } }));
    await got;
    ws.close();
    expect(replies).toContainEqual({ type: 'reply', id: 1, reply: { ok: true, value: { name: 'watchDrives' } } });
    expect(replies).toContainEqual(expect.objectContaining({ type: 'reply', id: 2, reply: expect.objectContaining({ ok: false }) as unknown }));
  });
  it('refuses a socket without the token, from another origin, or with no origin', async () => {
    const base = `ws://127.0.0.1:${bridge.port}/api`;
    expect((await open(base, `http://127.0.0.1:${bridge.port}`)).opened).toBe(false);
    expect((await open(`${base}?token=${bridge.token}`, 'https://evil.example')).opened).toBe(false);
    expect((await open(`${base}?token=${bridge.token}`, undefined)).opened).toBe(false);
  });
});
