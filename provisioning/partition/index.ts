/**
 * Public face of the partition-table code: read GPT/MBR tables, find the 3os partitions,
 * grow the data partition to the end of the disk, give a GPT disk a fresh GUID.
 */
export { readPartitionTable, loadPartitionTable } from './read-table.js';
export { find3osPartitions, roleOfLabel } from './roles.js';
export { growDataPartition, planGrow, type GrowOptions } from './grow.js';
export { randomizeDiskGuid, type DiskGuidResult } from './disk-guid.js';
export { gptCrc32 } from './crc32.js';
export { guidFromBytes, guidToBytes } from './guid.js';
export type * from './types.js';
export { ROLE_LABELS } from './types.js';
