/**
 * Public API of the offline LVM2 editor (what the flash-and-grow integrator uses).
 */
export { readPhysicalVolume, DEFAULT_VG_NAME, type PhysicalVolume, type MetadataArea } from './read-pv.js';
export { growVolumeGroup, type GrowOptions, type LvmGrowResult, type LvGrowRow, type CreatedVolume } from './grow.js';
export { lvByteRange, type ByteRange } from './lv-range.js';
export { checkExt4Offline, offlineResizeExt4, type Ext4CheckOutcome, type Ext4ResizeOutcome } from './ext4-offline.js';
// The storage policy is the config schema's `storage:` section: one parser, in provisioning/config.
export { parseStoragePolicy } from '../config/storage.js';
export { parseSize } from '../config/storage-rules.js';
export type { StoragePolicy, StorageVolume, VolumeFilesystem } from '../config/schema.js';
export { lvmCrc } from './crc.js';
