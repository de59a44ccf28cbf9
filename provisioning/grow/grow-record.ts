/**
 * The record the device's first-boot agent reads to finish the growth online: which LVs grew
 * (their filesystems need `resize2fs`), which LVs were created (they need a filesystem and a
 * mount point). Written to `3os/grow.json` on the config partition.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { openFat } from '../fat/index.js';
import type { LvmGrowResult } from '../lvm/index.js';
import type { PartitionPlace } from '../partition/index.js';

export const GROW_RECORD_PATH = '3os/grow.json';

export interface GrowRecord {
  readonly version: 1;
  readonly vg: string;
  /** LVs whose filesystem must grow to the LV size (already done offline where `offline` says so). */
  readonly grow: readonly { readonly lv: string; readonly offline: string }[];
  readonly create: readonly { readonly lv: string; readonly filesystem?: string | undefined; readonly mountpoint?: string | undefined }[];
}

export async function recordGrowth(
  disk: DiskIO,
  config: PartitionPlace,
  lvm: LvmGrowResult,
  fs: readonly { readonly lv: string; readonly outcome: string }[],
): Promise<string> {
  const record: GrowRecord = {
    version: 1,
    vg: lvm.vgName,
    grow: lvm.growFilesystems.filter((lv) => !lvm.createdVolumes.some((c) => c.name === lv)).map((lv) => ({ lv, offline: fs.find((f) => f.lv === lv)?.outcome ?? 'left-to-first-boot' })),
    create: lvm.createdVolumes.map((c) => ({ lv: c.name, filesystem: c.filesystem, mountpoint: c.mountpoint })),
  };
  const vol = await openFat(disk, config.start, config.size);
  await vol.writeFile(GROW_RECORD_PATH, Buffer.from(`${JSON.stringify(record, null, 2)}\n`), { mkdirs: true });
  await vol.flush();
  return GROW_RECORD_PATH;
}
