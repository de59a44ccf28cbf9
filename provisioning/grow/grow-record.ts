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

/** The record for a grow (pure: the plan builds it before anything is written). */
export function buildGrowRecord(lvm: LvmGrowResult, fs: readonly { readonly lv: string; readonly outcome: string }[]): GrowRecord {
  return {
    version: 1,
    vg: lvm.vgName,
    grow: lvm.growFilesystems.filter((lv) => !lvm.createdVolumes.some((c) => c.name === lv)).map((lv) => ({ lv, offline: fs.find((f) => f.lv === lv)?.outcome ?? 'left-to-first-boot' })),
    create: lvm.createdVolumes.map((c) => ({ lv: c.name, filesystem: c.filesystem, mountpoint: c.mountpoint })),
  };
}

/** The bytes of 3os/grow.json. */
export function growRecordBytes(record: GrowRecord): Buffer {
  return Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Write the record on its own (the whole volume is checked first; a damaged FAT is refused with
 * nothing written). The grow itself goes through planDisk, which plans this write with the rest.
 */
export async function recordGrowth(
  disk: DiskIO,
  config: PartitionPlace,
  lvm: LvmGrowResult,
  fs: readonly { readonly lv: string; readonly outcome: string }[],
): Promise<string> {
  const vol = await openFat(disk, config.start, config.size, { check: true });
  await vol.writeFile(GROW_RECORD_PATH, growRecordBytes(buildGrowRecord(lvm, fs)), { mkdirs: true });
  await vol.flush();
  return GROW_RECORD_PATH;
}
