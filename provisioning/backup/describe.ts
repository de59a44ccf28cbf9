/**
 * What a backup records about the disk it came from (the metadata sidecar FILE.backup.json, which
 * `inspect` shows): whether it is a 3os disk, its partitions, its 3os/image.json, its first-boot
 * config with secrets masked, and the device's first-boot result. Read with inspectDisk.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { inspectDisk } from '../seed/inspect-disk.js';

export async function describeDisk(disk: DiskIO): Promise<Record<string, unknown>> {
  const r = await inspectDisk(disk);
  const hostname = typeof r.config === 'object' && r.config !== null && 'hostname' in r.config ? (r.config as { hostname?: unknown }).hostname : undefined;
  return {
    is3os: r.is3os,
    table: r.table,
    image: r.image?.raw,
    hostname: typeof hostname === 'string' ? hostname : undefined,
    config: r.config,
    result: r.result,
    problems: r.problems,
  };
}
