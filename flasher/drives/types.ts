/**
 * What the engine knows about a drive: the shared shape of the drive list, the safety rules,
 * the watcher and the CLI/UI. Plain data (JSON-safe) so it crosses process boundaries as is.
 */

/** How the drive is attached. `file` is an image file used as a target. */
export type DriveBus =
  | 'usb'
  | 'sd'
  | 'emmc'
  | 'nvme'
  | 'sata'
  | 'scsi'
  | 'virtio'
  | 'loop'
  | 'nbd'
  | 'file'
  | 'unknown';

export type DriveKind = 'disk' | 'loop' | 'file';

export type PartitionTableType = 'gpt' | 'mbr';

/** A mounted partition (or the whole disk) of a drive. */
export interface DriveMount {
  /** The mounted block device, e.g. /dev/sdb1 (or the disk itself). */
  readonly device: string;
  readonly path: string;
}

/** What the 3os detector found on a drive (filled by the `detect3os` hook). */
export interface ThreeOsInfo {
  /** Image name/version from 3os/image.json, when readable. */
  readonly version?: string | undefined;
  readonly board?: string | undefined;
  /** Names of the 3os partitions found (GPT names). */
  readonly partitions?: readonly string[] | undefined;
}

export interface Drive {
  readonly kind: DriveKind;
  /** Stable id for the watcher and the UI: the device path (or the resolved file path). */
  readonly id: string;
  /** What to write to: /dev/sdb, /dev/loop3, \\.\PhysicalDrive2, /home/me/out.img. */
  readonly device: string;
  /** Size in bytes (a file target: its current size, 0 when it does not exist yet). */
  readonly size: number;
  /** Logical sector size in bytes, when known. */
  readonly sectorSize: number | undefined;
  /** Human description: vendor + model, or the loop's backing file, or "Image file". */
  readonly description: string;
  readonly model: string | undefined;
  readonly vendor: string | undefined;
  readonly serial: string | undefined;
  readonly bus: DriveBus;
  readonly removable: boolean;
  readonly readOnly: boolean;
  /** Backs the running system (/, /boot, /boot/efi, /usr, /var, swap), directly or through LVM/dm/md. */
  readonly system: boolean;
  /** Why it is a system drive, e.g. "/ via dm-0 -> sda2". Empty when not. */
  readonly systemReasons: readonly string[];
  /** Mounted partitions (all of them, not only the first). */
  readonly mountpoints: readonly DriveMount[];
  /** Partition device paths (Linux: from sysfs). */
  readonly partitions: readonly string[];
  /** Active stacked devices (dm/md) built on this disk or its partitions, e.g. ["dm-0"]. */
  readonly holders: readonly string[];
  readonly partitionTable: PartitionTableType | undefined;
  /** Loop devices: the file behind them. */
  readonly backingFile?: string | undefined;
  /** File targets: bytes free on the file system that would hold it. */
  readonly freeBytes?: number | undefined;
  /** File targets: the file exists already. */
  readonly exists?: boolean | undefined;
  /** Set by the detect3os hook when the drive holds a 3os install. */
  readonly threeOs?: ThreeOsInfo | undefined;
}

/** A Raspberry Pi (Compute Module / Pi 4 / Pi 5) waiting in USB boot mode: no disk yet. */
export interface UsbBootDevice {
  readonly kind: 'usbboot';
  /** "usb:<sysfs name>", e.g. usb:1-1.3 */
  readonly id: string;
  readonly vendorId: number;
  readonly productId: number;
  /** e.g. "BCM2711 (Compute Module 4 / Pi 4 / Pi 400)" */
  readonly chip: string;
  readonly description: string;
}

export type DriveEntry = Drive | UsbBootDevice;

export interface ListOptions {
  /** Also list attached loop devices (with their backing file). */
  readonly includeLoop?: boolean | undefined;
  /** Filled by the integrator: read GPT names / 3os/image.json. Errors are ignored (not 3os). */
  readonly detect3os?: ((path: string) => Promise<ThreeOsInfo | undefined>) | undefined;
  /** Root of the file system to read /sys and /proc from (tests point this at a fixture tree). */
  readonly root?: string | undefined;
  /** Directory holding device nodes (default `/dev`). */
  readonly devDir?: string | undefined;
}
