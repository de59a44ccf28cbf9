/**
 * The drive list on every OS, plus image files and single paths as targets.
 *
 * Linux: sysfs + mountinfo (list-linux.ts). macOS/Windows: the npm `drivelist` (diskutil /
 * SetupAPI), mapped to our Drive shape; it is loaded lazily so Linux never needs its native build.
 * A target path that is a regular file, or does not exist yet, is an image-file target.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FlashError, sysCode } from '../errors.js';
import { listLinuxDrives } from './list-linux.js';
import { readBlockTree } from './sysfs.js';
import { findUsbBootDevices } from './usb-boot.js';
import type { Drive, DriveBus, ListOptions, UsbBootDevice } from './types.js';

/** Linux dev_t (as in stat.dev / stat.rdev) to "major:minor". */
export function decodeDev(dev: number): string {
  const major = ((dev >> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  return `${major}:${minor}`;
}

interface DrivelistDrive {
  device: string;
  raw: string;
  description: string;
  size: number | null;
  logicalBlockSize: number;
  busType: string;
  isReadOnly: boolean;
  isRemovable: boolean;
  isSystem: boolean;
  isUSB: boolean | null;
  isCard: boolean | null;
  isVirtual: boolean | null;
  mountpoints: { path: string }[];
  partitionTableType: 'mbr' | 'gpt' | null;
}

function busFromDrivelist(d: DrivelistDrive): DriveBus {
  const t = d.busType.toUpperCase();
  if (d.isUSB === true || t === 'USB') return 'usb';
  if (d.isCard === true || t === 'SD') return 'sd';
  if (t === 'MMC') return 'emmc';
  if (t === 'NVME') return 'nvme';
  if (t === 'SATA' || t === 'ATA') return 'sata';
  if (t === 'SCSI' || t === 'SAS') return 'scsi';
  if (t === 'VIRTUAL' || d.isVirtual === true) return 'virtio';
  return 'unknown';
}

/** Map one drivelist entry (macOS/Windows) to a Drive. */
export function fromDrivelist(d: DrivelistDrive): Drive {
  return {
    kind: 'disk',
    id: d.device,
    device: d.raw !== '' ? d.raw : d.device,
    size: d.size ?? 0,
    sectorSize: d.logicalBlockSize > 0 ? d.logicalBlockSize : undefined,
    description: d.description,
    model: d.description === '' ? undefined : d.description,
    vendor: undefined,
    serial: undefined,
    bus: busFromDrivelist(d),
    removable: d.isRemovable,
    readOnly: d.isReadOnly,
    system: d.isSystem,
    systemReasons: d.isSystem ? ['reported as a system drive by the OS'] : [],
    mountpoints: d.mountpoints.map((m) => ({ device: d.device, path: m.path })),
    partitions: [],
    holders: [],
    partitionTable: d.partitionTableType ?? undefined,
  };
}

async function listWithDrivelist(): Promise<Drive[]> {
  const mod = (await import('drivelist')) as { list: () => Promise<DrivelistDrive[]> };
  return (await mod.list()).map(fromDrivelist);
}

async function withThreeOs(drives: Drive[], opts: ListOptions): Promise<Drive[]> {
  const detect = opts.detect3os;
  if (detect === undefined) return drives;
  return Promise.all(
    drives.map(async (d) => {
      try {
        const info = await detect(d.device);
        return info === undefined ? d : { ...d, threeOs: info };
      } catch {
        return d; // unreadable or not 3os: no flag
      }
    }),
  );
}

/** Block devices (and loop devices when asked) that could be targets; system disks included, flagged. */
export async function listDrives(opts: ListOptions = {}): Promise<Drive[]> {
  const drives = process.platform === 'linux' || opts.root !== undefined ? await listLinuxDrives(opts) : await listWithDrivelist();
  return withThreeOs(drives, opts);
}

export interface DriveListing {
  readonly drives: readonly Drive[];
  readonly usbBoot: readonly UsbBootDevice[];
}

/** Drives plus Raspberry Pi boards waiting in USB boot mode. */
export async function listDriveEntries(opts: ListOptions = {}): Promise<DriveListing> {
  const [drives, usbBoot] = await Promise.all([
    listDrives(opts),
    findUsbBootDevices(opts.root ?? '/', opts.root !== undefined ? 'linux' : process.platform),
  ]);
  return { drives, usbBoot };
}

async function freeBytesAt(dir: string): Promise<number | undefined> {
  try {
    const s = await fsp.statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

async function writable(path: string): Promise<boolean> {
  try {
    await fsp.access(path, fsc.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function fileTarget(path: string, size: number, exists: boolean): Promise<Drive> {
  const dir = dirname(path);
  try {
    if (!(await fsp.stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new FlashError('E_TARGET_MISSING', `${path}: folder ${dir} does not exist`, { target: path, phase: 'open' });
  }
  return {
    kind: 'file',
    id: exists ? await fsp.realpath(path) : path,
    device: path,
    size,
    sectorSize: undefined,
    description: exists ? 'Image file (will be replaced)' : 'Image file (new)',
    model: undefined,
    vendor: undefined,
    serial: undefined,
    bus: 'file',
    removable: false,
    readOnly: !(await writable(exists ? path : dir)),
    system: false,
    systemReasons: [],
    mountpoints: [],
    partitions: [],
    holders: [],
    partitionTable: undefined,
    freeBytes: await freeBytesAt(dir),
    exists,
  };
}

/**
 * Describe one target path: a whole disk or loop device (found in the drive list), or an image
 * file (existing or not). A partition, a directory or an unknown device is E_TARGET_INVALID;
 * a device node that is not attached/listed is E_TARGET_MISSING.
 */
export async function describeTarget(target: string, opts: ListOptions = {}): Promise<Drive> {
  const isWindowsDevice = /^\\\\\.\\/.test(target);
  if (process.platform === 'win32' && isWindowsDevice) {
    const found = (await listWithDrivelist()).find((d) => d.device.toLowerCase() === target.toLowerCase());
    if (found === undefined) throw new FlashError('E_TARGET_MISSING', `${target}: no such drive`, { target, phase: 'open' });
    return (await withThreeOs([found], opts))[0] ?? found;
  }
  const path = resolve(target);
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    if (sysCode(e) === 'ENOENT') {
      if (path.startsWith('/dev/')) throw new FlashError('E_TARGET_MISSING', `${path}: no such device`, { target: path, phase: 'open' });
      return fileTarget(path, 0, false);
    }
    throw new FlashError('E_TARGET_INVALID', `${path}: cannot inspect it (${sysCode(e) ?? String(e)})`, { target: path, phase: 'open', cause: e });
  }
  if (st.isFile()) return fileTarget(path, st.size, true);
  if (st.isDirectory()) throw new FlashError('E_TARGET_INVALID', `${path} is a folder; name an image file or a drive`, { target: path, phase: 'open' });
  if (st.isBlockDevice() || (process.platform === 'darwin' && st.isCharacterDevice())) {
    if (process.platform === 'linux' || opts.root !== undefined) {
      const devno = decodeDev(st.rdev);
      const tree = await readBlockTree(opts.root ?? '/');
      const name = tree.byDevno.get(devno);
      const node = name === undefined ? undefined : tree.byName.get(name);
      if (node?.isPartition === true) {
        throw new FlashError('E_TARGET_INVALID', `${path} is a partition of /dev/${node.disk}; choose the whole disk`, { target: path, phase: 'open' });
      }
      const drives = await listLinuxDrives({ ...opts, includeLoop: true });
      const found = drives.find((d) => d.device === `${opts.devDir ?? '/dev'}/${name ?? ''}`);
      if (found === undefined) throw new FlashError('E_TARGET_MISSING', `${path}: no medium, not attached, or not a disk`, { target: path, phase: 'open' });
      return (await withThreeOs([found], opts))[0] ?? found;
    }
    const drives = await listWithDrivelist();
    const found = drives.find((d) => d.device === path || d.id === path || d.device === path.replace('/dev/disk', '/dev/rdisk'));
    if (found === undefined) throw new FlashError('E_TARGET_MISSING', `${path}: not a listed drive`, { target: path, phase: 'open' });
    return (await withThreeOs([found], opts))[0] ?? found;
  }
  throw new FlashError('E_TARGET_INVALID', `${path} is neither a drive nor a regular file`, { target: path, phase: 'open' });
}
