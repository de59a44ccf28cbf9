/**
 * "Inspect disk" for the UI: provisioning/seed's read-only inspection (partition table, 3os
 * layout, image.json, masked config.yaml, result.json, grow record) shaped for the page, with
 * the config shown as YAML and every finding worded for a technician.
 */
import { stringify } from 'yaml';
import { openDisk } from '../../flasher/disk-io.js';
import { inspectDisk as inspect } from '../../provisioning/seed/inspect-disk.js';
import type { DiskInspection, PartitionView } from '../ipc/contract-types.js';

export async function inspectDisk(target: string): Promise<DiskInspection> {
  const disk = await openDisk(target);
  try {
    const r = await inspect(disk);
    const partitions: PartitionView[] = (r.table?.partitions ?? []).map((p) => ({ role: p.role ?? '', label: p.name ?? `partition ${p.index}`, start: p.start, size: p.size }));
    const notes = [...r.problems];
    if (!r.is3os) notes.push('not a 3os disk (no 3os config and data partitions)');
    else {
      if (r.config === undefined) notes.push('no 3os/config.yaml: the disk has not been given settings');
      else if (r.result === undefined) notes.push('no 3os/result.json: the device has not booted with these settings yet');
    }
    return {
      target,
      size: r.size,
      table: r.table?.kind,
      partitions,
      is3os: r.is3os,
      image: r.image?.raw,
      configYaml: r.config === undefined ? undefined : stringify(r.config, { lineWidth: 0 }),
      result: r.result,
      grow: r.grow,
      notes,
    };
  } finally {
    await disk.close();
  }
}
