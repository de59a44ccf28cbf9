/**
 * Volume paths ("3os/config.yaml"): '/'-separated, relative to the root, checked name by name.
 */
import { FlashError } from '../../flasher/errors.js';
import { invalidLongName } from './short-name.js';

/** The names along a path; empty for the root. Empty segments ("a//b", "/a") are ignored. */
export function splitPath(path: string): string[] {
  const parts = path.split('/').filter((p) => p.length > 0);
  for (const p of parts) {
    const why = invalidLongName(p);
    if (why !== undefined) throw new FlashError('E_FAT', `invalid FAT path "${path}": "${p}" ${why}`);
  }
  return parts;
}
