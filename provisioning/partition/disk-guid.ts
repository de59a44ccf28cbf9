/**
 * Give a GPT disk a new random disk GUID (coreos-installer's lesson: two disks flashed from one
 * image must not share a GUID, or firmware and udev may confuse them).
 *
 * Only the DiskGUID in both headers changes (and so both header CRCs); partition GUIDs stay,
 * because boot configurations refer to them (PARTUUID=). MBR disks are left alone: their
 * PARTUUID is derived from the disk signature, which kernel command lines (e.g. Raspberry Pi
 * cmdline.txt) name directly, so changing it would make the image unbootable.
 *
 * Write order: backup header, flush, primary header, flush. Between the two, both headers are
 * valid; they only disagree on the GUID, which readers report and tolerate.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';
import { decodeGptHeader, encodeGptHeader } from './gpt-format.js';
import { randomGuid } from './guid.js';
import { loadPartitionTable } from './read-table.js';

export interface DiskGuidResult {
  readonly changed: boolean;
  readonly kind: 'gpt' | 'mbr';
  readonly before?: string | undefined;
  readonly after?: string | undefined;
}

/** Write a new disk GUID (random unless given) into both GPT headers. */
export async function randomizeDiskGuid(disk: DiskIO, newGuid: string = randomGuid()): Promise<DiskGuidResult> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(newGuid)) throw new TypeError(`not a GUID: ${newGuid}`);
  const loaded = await loadPartitionTable(disk);
  const t = loaded.table;
  if (t.kind === 'mbr') return { changed: false, kind: 'mbr' };
  if (!t.primary.ok || !t.backup.ok) {
    const bad = !t.primary.ok ? `primary (${t.primary.problem})` : !t.backup.ok ? `backup (${t.backup.problem})` : '';
    throw new FlashError('E_PARTITION_TABLE', `${disk.path}: the ${bad} GPT is damaged; not changing the disk GUID`, { target: disk.path });
  }
  const ss = t.sectorSize;
  const diskGuid = newGuid.toLowerCase();
  const primaryHeader = { ...t.header, diskGuid };
  const backupLba = t.backup.lba;
  const decoded = decodeGptHeader(await disk.read(backupLba * ss, ss), backupLba, Math.floor(disk.size / ss));
  if (!decoded.ok) throw new Error(`backup GPT header changed under us: ${decoded.problem}`);
  const backupHeader = { ...decoded.header, diskGuid };
  await disk.write(backupLba * ss, encodeGptHeader(backupHeader, ss));
  await disk.flush();
  await disk.write(ss, encodeGptHeader(primaryHeader, ss));
  await disk.flush();
  return { changed: true, kind: 'gpt', before: t.diskGuid, after: primaryHeader.diskGuid };
}
