/**
 * Public API of the offline LVM2 editor (what the flash-and-grow integrator uses).
 */
export { readPhysicalVolume, DEFAULT_VG_NAME, type PhysicalVolume, type MetadataArea } from './read-pv.js';
export { growVolumeGroup, type GrowOptions, type LvmGrowResult, type LvGrowRow, type CreatedVolume } from './grow.js';
export { lvByteRange, type ByteRange } from './lv-range.js';
export { offlineResizeExt4, type Ext4ResizeOutcome } from './ext4-offline.js';
export { parseStoragePolicy, parseSize, type StoragePolicy, type StorageVolumePolicy, type VolumeFilesystem } from './storage-policy.js';
export { lvmCrc } from './crc.js';
