/**
 * Pure classification of a Linux block device: its bus from the sysfs device path, and the
 * partition table type from the first sectors. Kept pure so the rules are tested on fixtures.
 */
import type { DriveBus, PartitionTableType } from './types.js';

/**
 * Bus of a whole disk from its kernel name, the resolved /sys/block/<name> path and, for MMC
 * devices, the contents of device/type ("SD" or "MMC").
 */
export function classifyBus(name: string, sysPath: string, mmcType?: string): DriveBus {
  if (name.startsWith('loop')) return 'loop';
  if (name.startsWith('nbd')) return 'nbd';
  if (/\/usb\d*\//.test(sysPath)) return 'usb';
  if (name.startsWith('mmcblk')) return mmcType === 'MMC' ? 'emmc' : 'sd';
  if (name.startsWith('nvme')) return 'nvme';
  if (/\/virtio\d*\//.test(sysPath) || name.startsWith('vd')) return 'virtio';
  if (/\/ata\d+\//.test(sysPath)) return 'sata';
  if (name.startsWith('sd')) return 'scsi';
  return 'unknown';
}

/** Kernel names that are never write targets: RAM disks, stacked devices, optical, floppies. */
export function isListableDiskName(name: string): boolean {
  return !/^(ram|zram|dm-|md|sr|fd|nullb|mtdblock|zd)/.test(name);
}

const GPT_SIGNATURE = Buffer.from('EFI PART', 'latin1');

/**
 * Partition table type from the first 4104 bytes of a disk (GPT header at LBA 1 for 512- or
 * 4096-byte sectors; MBR boot signature 0x55AA whose four entries look like partition entries
 * and that is not a FAT boot sector of a "superfloppy").
 */
export function partitionTableFromBytes(head: Uint8Array): PartitionTableType | undefined {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const sigAt = (off: number): boolean =>
    buf.length >= off + 8 && buf.subarray(off, off + 8).equals(GPT_SIGNATURE);
  if (sigAt(512) || sigAt(4096)) return 'gpt';
  if (buf.length < 512 || buf[510] !== 0x55 || buf[511] !== 0xaa) return undefined;
  const fatLabel = buf.toString('latin1', 0x36, 0x39) === 'FAT' || buf.toString('latin1', 0x52, 0x57) === 'FAT32';
  if (fatLabel) return undefined;
  let used = 0;
  for (let i = 0; i < 4; i++) {
    const e = 446 + i * 16;
    const status = buf[e];
    if (status !== 0x00 && status !== 0x80) return undefined;
    if (buf[e + 4] !== 0) used++;
  }
  return used > 0 ? 'mbr' : undefined;
}

