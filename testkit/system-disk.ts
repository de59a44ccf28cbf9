/** Facts about this machine's disks, found with util-linux (independent of the code under test). */
import { shSyncOk } from './sh.js';

/** The whole disk behind `/` (findmnt, then lsblk's parent kernel name): the system drive every verb must refuse. */
export function systemDisk(): string {
  const src = shSyncOk('findmnt', ['-n', '-o', 'SOURCE', '/']).trim();
  const pk = shSyncOk('lsblk', ['-n', '-d', '-o', 'PKNAME', src]).trim();
  return pk === '' ? src : `/dev/${pk}`;
}
