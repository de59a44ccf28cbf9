/**
 * The record the device's first-boot agent reads to finish the growth online: which LVs grew
 * (their filesystems need `resize2fs`), which LVs were created (they need a filesystem and a
 * mount point). Written to `3os/grow.json` on the config partition.
 */
import type { LvmGrowResult } from '../lvm/index.js';

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
