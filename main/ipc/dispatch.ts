/**
 * One request through the contract, whatever the transport: validate the payload against its
 * schema, run the handler, and wrap the answer in a Reply so an expected failure reaches the UI
 * as a UserError (code, plain words, detail) instead of a transport-specific exception.
 */
import type { RequestName } from './channels.js';
import { parseRequest, type ClientContext, type Handlers } from './contract.js';
import type { Reply, Responses } from './contract-types.js';
import { userError } from './error-text.js';
import { userErrorOf } from '../backend/user-error-of.js';

export type { Reply };

export async function dispatch<K extends RequestName>(handlers: Handlers, name: K, payload: unknown, client: ClientContext): Promise<Reply<Responses[K]>> {
  const parsed = parseRequest(name, payload);
  if (!parsed.ok) return { ok: false, error: userError('E_USAGE', parsed.message) };
  try {
    const handler = handlers[name];
    return { ok: true, value: await handler(parsed.value, client) };
  } catch (e) {
    return { ok: false, error: userErrorOf(e) };
  }
}
