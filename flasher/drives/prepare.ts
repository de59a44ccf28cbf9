/**
 * Make a drive ready to be written (unmount every partition) and eject it afterwards.
 *
 * Linux: `umount` each mount point of the disk and its partitions, deepest first, then re-read
 * mountinfo to be sure; active LVM/dm/md holders are never torn down (E_TARGET_BUSY: the user
 * decides). macOS: `diskutil unmountDisk`. Windows: raw writes inside a mounted volume are denied
 * until the volume is locked and dismounted (FSCTL_LOCK_VOLUME + FSCTL_DISMOUNT_VOLUME, which need
 * native DeviceIoControl); without a native module we do what etcher-sdk does: `diskpart` `clean`
 * on the disk (removes its volumes), which is why prepareTarget must only be called right before
 * the first write, after every safety check passed.
 *
 * Eject is conservative: Linux uses `eject` when installed; otherwise only a removable USB disk is
 * detached through sysfs (device/delete), never an internal disk. macOS: `diskutil eject`.
 * Windows: not ejected (IOCTL_STORAGE_EJECT_MEDIA needs native code); the UI says "safe to remove"
 * only after the write handle is closed and flushed.
 */
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { delimiter, join, basename } from 'node:path';
import { tmpdir } from 'node:os';
import { FlashError } from '../errors.js';
import { describeTarget } from './list.js';
import type { Drive } from './types.js';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type CommandRunner = (cmd: string, args: readonly string[]) => Promise<CommandResult>;

export const runCommand: CommandRunner = (cmd, args) =>
  new Promise((resolvePromise) => {
    execFile(cmd, [...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      let code = 0;
      if (err !== null) code = typeof err.code === 'number' ? err.code : 127;
      resolvePromise({ code, stdout, stderr });
    });
  });

/** Absolute path of a program on PATH, or undefined. */
export async function which(cmd: string, path = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, cmd);
    try {
      await fsp.access(p, fsp.constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

export interface PrepareOptions {
  /** The user confirmed a system drive; otherwise prepareTarget refuses it too. */
  readonly allowSystemDrive?: boolean | undefined;
  readonly run?: CommandRunner | undefined;
}

export interface PrepareResult {
  readonly drive: Drive;
  /** Mount points that were unmounted. */
  readonly unmounted: readonly string[];
}

/** Unmount everything on the target; E_TARGET_BUSY when something stays mounted or held. */
export async function prepareTarget(path: string, opts: PrepareOptions = {}): Promise<PrepareResult> {
  const run = opts.run ?? runCommand;
  const drive = await describeTarget(path);
  if (drive.kind === 'file') return { drive, unmounted: [] };
  if (drive.system && opts.allowSystemDrive !== true) {
    throw new FlashError('E_TARGET_SYSTEM', `${drive.device} is a system drive: not unmounting it`, { target: path, phase: 'open' });
  }
  if (drive.holders.length > 0) {
    throw new FlashError('E_TARGET_BUSY', `${drive.device} is in use by ${drive.holders.join(', ')} (LVM, dm-crypt or RAID): deactivate it first`, {
      target: path,
      phase: 'open',
    });
  }
  if (process.platform === 'darwin') {
    const r = await run('diskutil', ['unmountDisk', drive.device.replace('/dev/rdisk', '/dev/disk')]);
    if (r.code !== 0) throw new FlashError('E_TARGET_BUSY', `${drive.device}: diskutil unmountDisk failed: ${r.stderr.trim() || r.stdout.trim()}`, { target: path, phase: 'open' });
    return { drive, unmounted: drive.mountpoints.map((m) => m.path) };
  }
  if (process.platform === 'win32') {
    const n = /PhysicalDrive(\d+)$/i.exec(drive.device)?.[1];
    if (n === undefined) throw new FlashError('E_TARGET_INVALID', `${drive.device} is not a \\\\.\\PhysicalDriveN path`, { target: path });
    const script = join(await fsp.mkdtemp(join(tmpdir(), '3os-diskpart-')), 'clean.txt');
    await fsp.writeFile(script, `select disk ${n}\r\nclean\r\nrescan\r\nexit\r\n`);
    const r = await run('diskpart', ['/s', script]);
    await fsp.rm(join(script, '..'), { recursive: true, force: true });
    if (r.code !== 0) throw new FlashError('E_TARGET_BUSY', `${drive.device}: diskpart clean failed: ${r.stdout.trim()}`, { target: path, phase: 'open' });
    return { drive, unmounted: drive.mountpoints.map((m) => m.path) };
  }
  const unmounted: string[] = [];
  const points = [...new Set(drive.mountpoints.map((m) => m.path))].sort((a, b) => b.length - a.length);
  for (const mp of points) {
    const r = await run('umount', [mp]);
    if (r.code !== 0) {
      throw new FlashError('E_TARGET_BUSY', `${drive.device}: cannot unmount ${mp}: ${r.stderr.trim() || `umount exit ${r.code}`}`, { target: path, phase: 'open' });
    }
    unmounted.push(mp);
  }
  const after = await describeTarget(drive.device);
  if (after.mountpoints.length > 0) {
    throw new FlashError('E_TARGET_BUSY', `${drive.device} is still mounted at ${after.mountpoints.map((m) => m.path).join(', ')}`, { target: path, phase: 'open' });
  }
  return { drive: after, unmounted };
}

export interface EjectResult {
  readonly ejected: boolean;
  /** How (eject, sysfs-delete, diskutil) or why not. */
  readonly method: string;
}

/** Eject a written drive (best effort, conservative; never throws for "cannot eject"). */
export async function ejectTarget(path: string, opts: { run?: CommandRunner | undefined } = {}): Promise<EjectResult> {
  const run = opts.run ?? runCommand;
  const drive = await describeTarget(path);
  if (drive.kind !== 'disk') return { ejected: false, method: `not ejected: ${drive.kind} target` };
  if (drive.system) return { ejected: false, method: 'not ejected: system drive' };
  if (!drive.removable && drive.bus !== 'usb') return { ejected: false, method: 'not ejected: a fixed drive' };
  if (process.platform === 'darwin') {
    const r = await run('diskutil', ['eject', drive.device.replace('/dev/rdisk', '/dev/disk')]);
    return r.code === 0 ? { ejected: true, method: 'diskutil eject' } : { ejected: false, method: `diskutil eject failed: ${r.stderr.trim()}` };
  }
  if (process.platform !== 'linux') return { ejected: false, method: 'not supported on this OS: remove the drive when the app says it is safe' };
  await run('sync', []);
  await run('blockdev', ['--flushbufs', drive.device]);
  if ((await which('eject')) !== undefined) {
    const r = await run('eject', [drive.device]);
    return r.code === 0 ? { ejected: true, method: 'eject' } : { ejected: false, method: `eject failed: ${r.stderr.trim()}` };
  }
  if (drive.bus === 'usb' && drive.removable) {
    try {
      await fsp.writeFile(`/sys/block/${basename(drive.device)}/device/delete`, '1');
      return { ejected: true, method: 'sysfs-delete' };
    } catch (e) {
      return { ejected: false, method: `sysfs delete failed: ${String(e)}` };
    }
  }
  return { ejected: false, method: 'not ejected: no `eject` tool and not a removable USB disk' };
}
