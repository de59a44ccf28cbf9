// The preload's window.threeos: one named method per contract request, each on its own channel;
// events only by contract name, with Electron's event object never reaching the page.
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, REQUEST_NAMES } from '../../../../main/ipc/channels.js';
import { buildBridgeApi, type IpcRendererLike } from '../../../../main/preload/bridge-api.js';

type L = (event: unknown, payload: unknown) => void;

function fakeIpc(): IpcRendererLike & { invoked: Array<[string, unknown]>; listeners: Map<string, Set<L>> } {
  const invoked: Array<[string, unknown]> = [];
  const listeners = new Map<string, Set<L>>();
  return {
    invoked,
    listeners,
    invoke: (channel, payload) => {
      invoked.push([channel, payload]);
      return Promise.resolve({ ok: true, value: channel });
    },
    on: (channel, l) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(l)),
    removeListener: (channel, l) => listeners.get(channel)?.delete(l),
  };
}

describe('buildBridgeApi', () => {
  it('exposes exactly the contract requests plus on, frozen', () => {
    const api = buildBridgeApi(fakeIpc());
    expect(Object.keys(api).sort()).toEqual([...REQUEST_NAMES, 'on'].sort());
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.values(api).every((v) => typeof v === 'function')).toBe(true);
    expect('invoke' in api || 'send' in api || 'ipcRenderer' in api).toBe(false);
  });
  it('sends each request on its own channel', async () => {
    const ipc = fakeIpc();
    const api = buildBridgeApi(ipc);
    expect(await api.watchDrives({ includeLoop: true })).toEqual({ ok: true, value: 'threeos:watchDrives' });
    expect(ipc.invoked).toEqual([['threeos:watchDrives', { includeLoop: true }]]);
  });
  it('delivers event payloads without the Electron event, and unsubscribes', () => {
    const ipc = fakeIpc();
    const api = buildBridgeApi(ipc);
    const seen: unknown[] = [];
    const off = api.on('drives', (p) => seen.push(p));
    const [l] = [...(ipc.listeners.get('threeos:event:drives') ?? [])];
    l?.({ sender: 'secret', ports: [] }, { entries: [] });
    expect(seen).toEqual([{ entries: [] }]);
    off();
    expect(ipc.listeners.get('threeos:event:drives')?.size).toBe(0);
  });
  it('refuses event names outside the contract', () => {
    const api = buildBridgeApi(fakeIpc());
    const on = api.on as (n: string, l: () => void) => () => void;
    expect(() => on('threeos:anything', () => undefined)).toThrow(/unknown event/);
    expect(() => on('__proto__', () => undefined)).toThrow(/unknown event/);
    expect(EVENT_NAMES.length).toBeGreaterThan(0);
  });
});
