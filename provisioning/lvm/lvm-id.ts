/**
 * LVM object ids (VG, PV, LV uuids): 32 characters, shown with dashes in groups 6-4-4-4-4-4-6.
 *
 * The valid alphabet is `[0-9a-zA-Z!#]` (lib/uuid/uuid.c `_c`), but id_create only draws from
 * the first 62 characters (`byte % 62`, "skip the last 2 chars for LVM1 compatibility"); we do
 * the same with crypto randomness.
 */
import { randomBytes } from 'node:crypto';
import { formatUuid } from './label.js';

const ID_CHARS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#';
const ID_CREATE_CHARS = ID_CHARS.length - 2;

/** A new id as id_create makes it, without dashes. */
export function createLvmId(random: (n: number) => Uint8Array = randomBytes): string {
  return Array.from(random(32), (b) => ID_CHARS[b % ID_CREATE_CHARS] ?? '0').join('');
}

/** A new id with dashes, as it appears in the text metadata. */
export function createLvmIdText(random?: (n: number) => Uint8Array): string {
  return formatUuid(createLvmId(random));
}

/** id_read_format + id_valid: 32 valid characters once dashes are removed. */
export function isValidLvmId(s: string): boolean {
  return /^[0-9a-zA-Z!#]{32}$/.test(s.replace(/-/g, ''));
}
