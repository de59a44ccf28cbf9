/**
 * The dev bridge's WebSocket messages: the same contract as Electron IPC, framed as JSON.
 * Browser -> bridge: a request {id, name, payload}. Bridge -> browser: the reply to a request
 * (the same Reply envelope the preload returns) or an event. Requests are validated twice: this
 * envelope here, then the payload by the contract's schema for its name.
 */
import { z } from 'zod';
import { REQUEST_NAMES } from './channels.js';

export const MAX_WIRE_BYTES = 20 * 1024 * 1024;

export const wireRequestSchema = z.strictObject({
  id: z.number().int().nonnegative(),
  name: z.enum(REQUEST_NAMES),
  payload: z.unknown(),
});

export type WireRequest = z.infer<typeof wireRequestSchema>;

export type WireToClient =
  | { readonly type: 'reply'; readonly id: number; readonly reply: unknown }
  | { readonly type: 'event'; readonly name: string; readonly payload: unknown };
