/**
 * Random-access byte I/O on a disk: a block device, a loop device or an image file.
 *
 * The partition, LVM and FAT editors in provisioning/ work through this small interface so they
 * run the same on a real drive and on an image file, on any OS. Size and logical sector size come
 * from sysfs on Linux; elsewhere the size is found by probing reads, which works on every OS.
 */
import { promises as fsp, constants as fsc, type Stats } from 'node:fs';
import { basename } from 'node:path';
import { FlashError, fromIoError, sysCode } from './errors.js';

export interface DiskIO {
  /** Path the disk was opened from (for messages). */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Logical sector size in bytes (512 or 4096). */
  readonly sectorSize: number;
  read(offset: number, length: number): Promise<Buffer>;
  write(offset: number, data: Uint8Array): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDiskOptions {
  /**
   * Open for writing. Only the guard (flasher/guard/) and tests pass this: every verb that
   * changes a disk gets its DiskIO from a guarded TargetHandle (lint enforces it).
   */
  readonly writable?: boolean;
  /** Override the logical sector size (image files have none of their own: see gptSectorSize). */
  readonly sectorSize?: number;
}

/**
 * The logical sector size a GPT was built for, from a disk's first 8 KiB: its header sits at
 * LBA 1, byte 512 or byte 4096. The one home of this rule (engine, guard, image reader).
 */
export function gptSectorSize(head: Uint8Array): number | undefined {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  for (const ss of [512, 4096]) if (b.length >= ss + 8 && b.toString('latin1', ss, ss + 8) === 'EFI PART') return ss;
  return undefined;
}

/** major:minor of a block device, from its stat rdev (Linux encoding). */
export function devNumbers(st: Stats): { major: number; minor: number } {
  const rdev = st.rdev;
  const major = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
  return { major, minor };
}

async function readSysNumber(path: string): Promise<number | undefined> {
  try {
    const n = Number((await fsp.readFile(path, 'utf8')).trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Linux sysfs facts about a block device: size in bytes and logical sector size. */
export async function blockDeviceGeometry(st: Stats): Promise<{ size?: number; sectorSize?: number }> {
  const { major, minor } = devNumbers(st);
  const base = `/sys/dev/block/${major}:${minor}`;
  const sectors = await readSysNumber(`${base}/size`);
  let sectorSize = await readSysNumber(`${base}/queue/logical_block_size`);
  if (sectorSize === undefined) {
    // A partition has no queue/ of its own: use its parent disk's.
    sectorSize = await readSysNumber(`${base}/../queue/logical_block_size`);
  }
  return { size: sectors === undefined ? undefined : sectors * 512, sectorSize };
}

/** Portable size probe: the largest offset at which a 1-byte read still returns data. */
async function probeSize(fh: fsp.FileHandle): Promise<number> {
  const one = Buffer.alloc(1);
  const readsAt = async (off: number): Promise<boolean> => (await fh.read(one, 0, 1, off)).bytesRead === 1;
  if (!(await readsAt(0))) return 0;
  let lo = 0;
  let hi = 512;
  while (await readsAt(hi)) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await readsAt(mid)) lo = mid;
    else hi = mid;
  }
  return lo + 1;
}

class FileDisk implements DiskIO {
  public constructor(
    private readonly fh: fsp.FileHandle,
    public readonly path: string,
    public readonly size: number,
    public readonly sectorSize: number,
    /** Close the handle on close() (false: the guard's handle, closed by its owner). */
    private readonly owned = true,
  ) {}

  public async read(offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.alloc(length);
    let done = 0;
    try {
      while (done < length) {
        const { bytesRead } = await this.fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } catch (e) {
      throw fromIoError(e, this.path, 'open', offset + done);
    }
    if (done < length) {
      throw new FlashError('E_TRUNCATED', `${this.path}: read past the end at byte ${offset + done}`, {
        target: this.path,
        offset: offset + done,
      });
    }
    return buf;
  }

  public async write(offset: number, data: Uint8Array): Promise<void> {
    if (offset + data.length > this.size) {
      throw new FlashError('E_TOO_SMALL', `${this.path}: write past the end (byte ${offset + data.length} of ${this.size})`, {
        target: this.path,
        offset,
      });
    }
    let done = 0;
    try {
      while (done < data.length) {
        const { bytesWritten } = await this.fh.write(data, done, data.length - done, offset + done);
        done += bytesWritten;
      }
    } catch (e) {
      throw fromIoError(e, this.path, 'write', offset + done);
    }
  }

  public async flush(): Promise<void> {
    try {
      await this.fh.sync();
    } catch (e) {
      throw fromIoError(e, this.path, 'flush');
    }
  }

  public async close(): Promise<void> {
    if (this.owned) await this.fh.close();
  }
}

/** Open a disk or image file for random access (read-only unless `writable`: see the option). */
export async function openDisk(path: string, opts: OpenDiskOptions = {}): Promise<DiskIO> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, opts.writable === true ? fsc.O_RDWR : fsc.O_RDONLY);
  } catch (e) {
    const c = sysCode(e);
    if (c === 'ENOENT') throw new FlashError('E_TARGET_MISSING', `${path}: no such file or device`, { target: path, phase: 'open' });
    if (c === 'EISDIR') throw new FlashError('E_TARGET_INVALID', `${path} is a directory`, { target: path, phase: 'open' });
    throw fromIoError(e, path, 'open');
  }
  try {
    return await diskOverHandle(fh, path, { sectorSize: opts.sectorSize, owned: true });
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * A DiskIO over an already open handle (the guard's exclusive handle). Image files have no
 * sector size of their own: unless given, it is the one their GPT was built for (else 512).
 * When not `owned`, close() leaves the handle open: its owner closes it.
 */
export async function diskOverHandle(fh: fsp.FileHandle, path: string, opts: { sectorSize?: number | undefined; owned: boolean }): Promise<DiskIO> {
  const st = await fh.stat();
  if (st.isDirectory()) throw new FlashError('E_TARGET_INVALID', `${path} is a directory`, { target: path, phase: 'open' });
  let size = st.isFile() ? st.size : undefined;
  let sectorSize = opts.sectorSize;
  if (st.isBlockDevice()) {
    const g = await blockDeviceGeometry(st);
    size = g.size;
    sectorSize ??= g.sectorSize;
  }
  size ??= await probeSize(fh);
  if (sectorSize === undefined && st.isFile() && size >= 8192) {
    const head = Buffer.alloc(8192);
    await fh.read(head, 0, head.length, 0);
    sectorSize = gptSectorSize(head);
  }
  return new FileDisk(fh, path, size, sectorSize ?? 512, opts.owned);
}

/** Short name of a device path, e.g. /dev/sdb -> sdb. */
export function deviceName(path: string): string {
  return basename(path);
}
