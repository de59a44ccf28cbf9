/**
 * The preload's API, as a pure function of an ipcRenderer-like object so it is tested without
 * Electron: one named method per request of the contract (each invokes exactly its own channel
 * and returns the Reply envelope), and `on` for the contract's events only, with Electron's
 * event object stripped before the listener sees anything. ipcRenderer itself never leaves
 * the preload.
 */
import { EVENT_NAMES, REQUEST_NAMES, eventChannel, isEventName, requestChannel, type EventName, type RequestName } from '../ipc/channels.js';
import type { Requests } from '../ipc/contract.js';
import type { Events, Responses } from '../ipc/contract-types.js';
import type { Reply } from '../ipc/contract-types.js';

/** The parts of ipcRenderer the preload uses. */
export interface IpcRendererLike {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

/** What window.threeos is in the Electron app. */
export type BridgeApi = { readonly [K in RequestName]: (req: Requests[K]) => Promise<Reply<Responses[K]>> } & {
  readonly on: <E extends EventName>(name: E, listener: (payload: Events[E]) => void) => () => void;
};

export function buildBridgeApi(ipc: IpcRendererLike): BridgeApi {
  const methods: Record<string, (req: unknown) => Promise<unknown>> = {};
  for (const name of REQUEST_NAMES) {
    const channel = requestChannel(name);
    // The payload is plain data: structured clone drops anything else at the boundary.
    methods[name] = (req: unknown) => ipc.invoke(channel, req);
  }
  const on = (name: unknown, listener: unknown): (() => void) => {
    if (!isEventName(name)) throw new Error(`unknown event "${String(name)}" (known: ${EVENT_NAMES.join(', ')})`);
    if (typeof listener !== 'function') throw new Error('listener must be a function');
    const wrapped = (_event: unknown, payload: unknown): void => {
      (listener as (p: unknown) => void)(payload);
    };
    ipc.on(eventChannel(name), wrapped);
    return () => void ipc.removeListener(eventChannel(name), wrapped);
  };
  return Object.freeze({ ...methods, on }) as unknown as BridgeApi;
}
