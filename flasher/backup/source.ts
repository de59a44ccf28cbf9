/**
 * Opening the drive (or loop device, or image file) a backup or clone reads: read-only always,
 * and exclusively (O_EXCL) when nothing on it is mounted, so no mkfs, mount or second flasher can
 * change it under the read. A source with a partition mounted read-write is refused
 * (E_SOURCE_BUSY) unless the user accepts a possibly inconsistent copy (--allow-mounted);
 * read-only mounts are fine. The handle has no write access: the source cannot be written.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import { diskOverHandle, type DiskIO } from '../disk-io.js';
import { describeTarget } from '../drives/list.js';
import { readMounts } from '../drives/mountinfo.js';
import type { Drive, ListOptions } from '../drives/types.js';
import { FlashError, fromIoError, sysCode } from '../errors.js';

export interface BackupSource {
  readonly path: string;
  readonly kind: 'block' | 'file';
  readonly size: number;
  readonly sectorSize: number;
  /** What the drive list knows (model, serial, bus); undefined for an image file. */
  readonly drive: Drive | undefined;
  /** The read-only handle (O_EXCL on an unmounted block device). */
  readonly fh: fsp.FileHandle;
  readonly exclusive: boolean;
  /** Random access over the same handle (the usage map reads through it). */
  readonly disk: DiskIO;
  readonly warnings: readonly string[];
  close(): Promise<void>;
}

export interface OpenSourceOptions {
  readonly allowMounted?: boolean | undefined;
  readonly list?: ListOptions | undefined;
}

/** Mount points of the drive with their read-only flag (mountinfo's per-mount options). */
async function mountsOf(drive: Drive, list: ListOptions | undefined): Promise<{ path: string; readOnly: boolean }[]> {
  if (drive.mountpoints.length === 0) return [];
  const ro = new Set((await readMounts(list?.root ?? '/')).filter((m) => m.readOnly === true).map((m) => m.mountpoint));
  return drive.mountpoints.map((m) => ({ path: m.path, readOnly: ro.has(m.path) }));
}

export async function openBackupSource(path: string, opts: OpenSourceOptions = {}): Promise<BackupSource> {
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    if (sysCode(e) === 'ENOENT') throw new FlashError('E_SOURCE_MISSING', `${path}: no such drive or file`, { target: path, phase: 'source' });
    throw fromIoError(e, path, 'source');
  }
  if (st.isDirectory()) throw new FlashError('E_SOURCE_UNREADABLE', `${path} is a folder: name a drive, loop device or image file`, { target: path, phase: 'source' });
  const warnings: string[] = [];
  let drive: Drive | undefined;
  let exclusive = false;
  let flags = fsc.O_RDONLY;
  if (st.isBlockDevice()) {
    try {
      drive = await describeTarget(path, opts.list);
    } catch (e) {
      throw e instanceof FlashError ? new FlashError(e.code === 'E_TARGET_MISSING' ? 'E_SOURCE_MISSING' : 'E_SOURCE_UNREADABLE', e.message, { target: path, phase: 'source' }) : e;
    }
    const mounts = await mountsOf(drive, opts.list);
    const rw = mounts.filter((m) => !m.readOnly);
    if (rw.length > 0) {
      const where = rw.map((m) => m.path).join(', ');
      if (opts.allowMounted !== true) {
        throw new FlashError('E_SOURCE_BUSY', `${path} is mounted read-write at ${where}: its contents may change while it is read; unmount it first (or accept a possibly inconsistent copy with --allow-mounted)`, {
          target: path,
          phase: 'source',
        });
      }
      warnings.push(`${path} is mounted read-write at ${where}: the copy may be inconsistent (files changed while it was read)`);
    }
    if (drive.holders.length > 0) warnings.push(`${path} is in use by ${drive.holders.join(', ')} (active LVM or dm): the copy may be inconsistent if it is written meanwhile`);
    if (mounts.length === 0 && drive.holders.length === 0) {
      flags |= fsc.O_EXCL;
      exclusive = true;
    }
  }
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, flags);
  } catch (e) {
    if (sysCode(e) === 'EBUSY') {
      throw new FlashError('E_SOURCE_BUSY', `${path} is held open exclusively by another program (a flasher, mkfs, or a mount)`, { target: path, phase: 'source' });
    }
    if (sysCode(e) === 'EACCES' || sysCode(e) === 'EPERM') throw new FlashError('E_SOURCE_UNREADABLE', `${path} cannot be read (${sysCode(e) ?? ''}): are you root?`, { target: path, phase: 'source' });
    throw fromIoError(e, path, 'source');
  }
  try {
    const disk = await diskOverHandle(fh, path, { owned: false });
    return {
      path,
      kind: st.isBlockDevice() ? 'block' : 'file',
      size: disk.size,
      sectorSize: disk.sectorSize,
      drive,
      fh,
      exclusive,
      disk,
      warnings,
      close: () => fh.close().catch(() => undefined),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}
