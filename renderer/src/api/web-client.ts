/**
 * The dev bridge's WebSocket as a ThreeOsApi (the UI in a plain browser): requests carry an id
 * and resolve with the bridge's Reply; events are fanned out to listeners by name. The token
 * comes from the page's own URL, as printed by the bridge.
 */
import { REQUEST_NAMES, type EventName, type RequestName } from '../../../main/ipc/channels.js';
import type { ThreeOsApi } from '../../../main/ipc/contract.js';
import type { Reply } from '../../../main/ipc/contract-types.js';
import { makeApi } from './client.js';

interface Incoming {
  readonly type?: unknown;
  readonly id?: unknown;
  readonly reply?: unknown;
  readonly name?: unknown;
  readonly payload?: unknown;
}

export function connectWeb(location: Location): Promise<ThreeOsApi> {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const ws = new WebSocket(`ws://${location.host}/api?token=${encodeURIComponent(token)}`);
  const pending = new Map<number, (r: Reply<unknown>) => void>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let nextId = 1;
  ws.addEventListener('message', (ev: MessageEvent<unknown>) => {
    if (typeof ev.data !== 'string') return;
    const m = JSON.parse(ev.data) as Incoming;
    if (m.type === 'reply' && typeof m.id === 'number') {
      pending.get(m.id)?.(m.reply as Reply<unknown>);
      pending.delete(m.id);
    } else if (m.type === 'event' && typeof m.name === 'string') {
      for (const l of listeners.get(m.name) ?? []) l(m.payload);
    }
  });
  ws.addEventListener('close', () => {
    for (const resolve of pending.values()) resolve({ ok: false, error: { code: 'E_INTERNAL', title: 'The connection to the flasher was lost.', hint: 'Restart it and reload the page.', detail: 'WebSocket closed' } });
    pending.clear();
  });
  const request = (name: RequestName, payload: unknown): Promise<Reply<unknown>> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, name, payload }));
    });
  const subscribe = (name: EventName, l: (p: unknown) => void): (() => void) => {
    const set = listeners.get(name) ?? new Set();
    set.add(l);
    listeners.set(name, set);
    return () => void set.delete(l);
  };
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve(makeApi(REQUEST_NAMES, request, subscribe)), { once: true });
    ws.addEventListener('error', () => reject(new Error('cannot reach the flasher (is the dev bridge running, and is the token in the URL?)')), { once: true });
  });
}
