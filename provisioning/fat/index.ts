/**
 * FAT12/16/32 reader and writer that works on a partition of a DiskIO, without mounting.
 */
export { openFat, type FatEntry, type FatVolume, type OpenFatOptions } from './volume.js';
export { checkFatVolume, type FatCheckReport } from './check.js';
export type { FatType } from './bpb.js';
