/**
 * The renderer's API object (ThreeOsApi) over either transport: the Electron preload's
 * window.threeos (Reply envelopes over IPC) or the dev bridge's WebSocket. Either way a failed
 * request rejects with an ApiError carrying the UserError to show.
 */
import type { EventName, RequestName } from '../../../main/ipc/channels.js';
import type { ThreeOsApi } from '../../../main/ipc/contract.js';
import type { Events, UserError } from '../../../main/ipc/contract-types.js';
import type { BridgeApi } from '../../../main/preload/bridge-api.js';
import type { Reply } from '../../../main/ipc/contract-types.js';

export class ApiError extends Error {
  public override readonly name = 'ApiError';
  public constructor(public readonly user: UserError) {
    super(user.title);
  }
}

/** The UserError inside anything a request threw. */
export function userErrorOf(e: unknown): UserError {
  if (e instanceof ApiError) return e.user;
  return { code: 'E_INTERNAL', title: 'Something went wrong inside the app.', detail: e instanceof Error ? e.message : String(e) };
}

export function unwrap<T>(reply: Reply<T>): T {
  if (reply.ok) return reply.value;
  throw new ApiError(reply.error);
}

type Listener = (payload: unknown) => void;

/** Build a ThreeOsApi from "send request NAME, get its Reply" and "subscribe to event NAME". */
export function makeApi(
  names: readonly RequestName[],
  request: (name: RequestName, payload: unknown) => Promise<Reply<unknown>>,
  subscribe: (name: EventName, listener: Listener) => () => void,
): ThreeOsApi {
  const api: Record<string, unknown> = {};
  for (const n of names) api[n] = async (payload: unknown) => unwrap(await request(n, payload));
  api.on = <E extends EventName>(name: E, listener: (p: Events[E]) => void) => subscribe(name, listener as Listener);
  return api as unknown as ThreeOsApi;
}

/** window.threeos (Electron) as a ThreeOsApi. */
export function fromBridge(bridge: BridgeApi, names: readonly RequestName[]): ThreeOsApi {
  const call = bridge as unknown as Record<string, (p: unknown) => Promise<Reply<unknown>>>;
  return makeApi(
    names,
    (name, payload) => {
      const f = call[name];
      if (f === undefined) return Promise.resolve({ ok: false, error: { code: 'E_INTERNAL', title: 'The app is incomplete.', detail: `no method ${name}` } });
      return f(payload);
    },
    (name, listener) => bridge.on(name, listener),
  );
}
