/** The serial page's state and its pure reducer (port choice, session, answers, console text). */
import type { SerialAnswer, UserError } from '../../../main/ipc/contract-types.js';

export const CONSOLE_KEEP = 64 * 1024;

export interface SerialState {
  readonly path: string;
  readonly baud: number;
  readonly key: string;
  readonly session: string | undefined;
  readonly busy: string | undefined;
  readonly answer: SerialAnswer | undefined;
  readonly error: UserError | undefined;
  readonly console: string;
}

export const initialSerial: SerialState = { path: '', baud: 115200, key: '', session: undefined, busy: undefined, answer: undefined, error: undefined, console: '' };

export type SerialAction =
  | { readonly type: 'path'; readonly value: string }
  | { readonly type: 'baud'; readonly value: number }
  | { readonly type: 'key'; readonly value: string }
  | { readonly type: 'busy'; readonly what: string }
  | { readonly type: 'opened'; readonly session: string }
  | { readonly type: 'closed'; readonly reason?: string | undefined }
  | { readonly type: 'answer'; readonly answer: SerialAnswer }
  | { readonly type: 'error'; readonly error: UserError }
  | { readonly type: 'console'; readonly text: string }
  | { readonly type: 'clearConsole' };

export function serialReducer(s: SerialState, a: SerialAction): SerialState {
  switch (a.type) {
    case 'path':
      return { ...s, path: a.value };
    case 'baud':
      return { ...s, baud: a.value };
    case 'key':
      return { ...s, key: a.value };
    case 'busy':
      return { ...s, busy: a.what, error: undefined };
    case 'opened':
      return { ...s, session: a.session, busy: undefined, error: undefined, answer: undefined };
    case 'closed':
      return { ...s, session: undefined, busy: undefined, console: a.reason === undefined ? s.console : `${s.console}\n[${a.reason}]\n` };
    case 'answer':
      return { ...s, busy: undefined, answer: a.answer, error: undefined };
    case 'error':
      return { ...s, busy: undefined, error: a.error };
    case 'console': {
      const text = s.console + a.text;
      return { ...s, console: text.length > CONSOLE_KEEP ? text.slice(text.length - CONSOLE_KEEP) : text };
    }
    case 'clearConsole':
      return { ...s, console: '' };
  }
}
