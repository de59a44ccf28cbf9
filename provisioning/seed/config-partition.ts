/**
 * Opening a disk's 3os config partition (FAT, label 3OS-CONFIG) without mounting: found by
 * PARTLABEL on GPT, by order and type on the MBR variant (provisioning/partition roles).
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';
import { openFat, type FatVolume } from '../fat/index.js';
import { find3osPartitions, readPartitionTable, type ThreeOsLayout } from '../partition/index.js';

export const CONFIG_LABEL = '3OS-CONFIG';

/** What the device writes back after its first boot; a new seed removes a stale one. */
export const RESULT_PATH = '3os/result.json';

export interface ConfigPartition {
  readonly layout: ThreeOsLayout;
  readonly volume: FatVolume;
}

export async function openConfigPartition(disk: DiskIO): Promise<ConfigPartition> {
  const layout = find3osPartitions(await readPartitionTable(disk));
  const place = layout.config;
  if (place === undefined) {
    throw new FlashError('E_NOT_3OS', `${disk.path} has no 3os config partition (GPT name 3os-config, or the MBR variant's partition 2)`, { target: disk.path, phase: 'seed' });
  }
  const volume = await openFat(disk, place.start, place.size);
  if (volume.label.toUpperCase() !== CONFIG_LABEL) {
    throw new FlashError('E_NOT_3OS', `${disk.path}: the config partition's FAT label is "${volume.label}", not ${CONFIG_LABEL}`, { target: disk.path, phase: 'seed' });
  }
  return { layout, volume };
}
