/**
 * The only way a request from a window reaches the backend in the Electron app: the sender
 * frame must be the app's own page (its URL parsed and compared with the app:// origin, so a
 * page that navigated elsewhere or an injected frame cannot call in), then the payload is
 * validated by the contract schema (dispatch.ts). Electron-free, so tests drive it with a fake
 * IPC event.
 */
import type { RequestName } from '../ipc/channels.js';
import type { ClientContext, Handlers } from '../ipc/contract.js';
import type { Responses } from '../ipc/contract-types.js';
import { dispatch, type Reply } from '../ipc/dispatch.js';
import { userError } from '../ipc/error-text.js';
import { isAppUrl } from './security.js';

/** The parts of Electron's IpcMainInvokeEvent we look at. */
export interface IpcEventLike {
  readonly sender: { readonly id: number };
  readonly senderFrame: { readonly url: string; readonly parent?: unknown } | null;
}

/** Only the top frame of an app:// page may call the backend. */
export function isTrustedSender(event: IpcEventLike, trustedIds?: ReadonlySet<number>): boolean {
  const frame = event.senderFrame;
  if (frame === null) return false;
  if (frame.parent !== null && frame.parent !== undefined) return false;
  if (trustedIds !== undefined && !trustedIds.has(event.sender.id)) return false;
  return isAppUrl(frame.url);
}

export type IpcHandler<K extends RequestName> = (event: IpcEventLike, payload: unknown) => Promise<Reply<Responses[K]>>;

export function safeHandler<K extends RequestName>(
  handlers: Handlers,
  name: K,
  clientOf: (event: IpcEventLike) => ClientContext,
  trustedIds?: ReadonlySet<number>,
): IpcHandler<K> {
  return async (event, payload) => {
    if (!isTrustedSender(event, trustedIds)) {
      return { ok: false, error: userError('E_USAGE', `${name}: refused a request from an untrusted sender (${event.senderFrame?.url ?? 'no frame'})`) };
    }
    return dispatch(handlers, name, payload, clientOf(event));
  };
}
