/**
 * Which bytes of a FAT12/16/32 volume are in use: its reserved sectors, FATs and root directory,
 * and every cluster the FAT does not mark free. Read with the FAT reader of provisioning/fat.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { parseBootSector } from '../fat/bpb.js';
import { FatTable } from '../fat/fat-table.js';
import { VolumeIO } from '../fat/volume-io.js';

/** Used byte ranges relative to the volume's start, or undefined when it is no FAT volume. */
export async function fatUsage(disk: DiskIO, start: number, length: number): Promise<{ start: number; end: number }[] | undefined> {
  const io = new VolumeIO(disk, start, length);
  let geo;
  try {
    geo = parseBootSector(await io.read(0, 512), length);
  } catch {
    return undefined;
  }
  const fat = await FatTable.load(io, geo);
  const out: { start: number; end: number }[] = [{ start: 0, end: geo.dataOffset }];
  for (let n = 2; n <= fat.maxCluster; n++) {
    if (fat.get(n) === 0) continue;
    const s = geo.dataOffset + (n - 2) * geo.clusterSize;
    const e = s + geo.clusterSize;
    const last = out[out.length - 1];
    if (last !== undefined && last.end === s) last.end = e;
    else out.push({ start: s, end: e });
  }
  return out;
}
