/**
 * Any thrown value -> the UserError the UI shows. A FlashError keeps its code and exact
 * message as the detail; anything else is a bug, shown as E_INTERNAL with its message.
 */
import { isFlashError } from '../../flasher/errors.js';
import type { UserError } from '../ipc/contract-types.js';
import { userError } from '../ipc/error-text.js';

export function userErrorOf(e: unknown): UserError {
  if (isFlashError(e)) return userError(e.code, e.message);
  return userError('E_INTERNAL', e instanceof Error ? e.message : String(e));
}

/** An error a handler throws on purpose, carrying the UserError the caller should see. */
export class UserFacingError extends Error {
  public override readonly name = 'UserFacingError';
  public constructor(public readonly user: UserError) {
    super(user.detail);
  }
}
