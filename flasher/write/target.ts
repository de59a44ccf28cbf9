/**
 * A write target: a block device (real or loop) or an image file.
 *
 * Block devices are opened exclusively (O_EXCL: the kernel refuses a mounted or held device) and
 * with O_DIRECT where the OS allows, so writes bypass the page cache and verification reads what
 * the device really stored. Image files are written to a temporary sibling and renamed over the
 * target only after verification, so a failed write leaves the old file untouched; unwritten
 * ranges stay holes (sparse). An existing larger file keeps its size: it is a virtual disk.
 */
import { promises as fsp, constants as fsc, type Stats } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FlashError, fromIoError, sysCode } from '../errors.js';
import { blockDeviceGeometry, devNumbers } from '../disk-io.js';
import { readMounts } from '../drives/mountinfo.js';

export type TargetKind = 'block' | 'file';

const O_DIRECT = fsc.O_DIRECT ?? 0;

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await fsp.readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** "major:minor" strings of a block device and of the disk it belongs to (if a partition). */
async function blockIdentity(st: Stats): Promise<{ self: string; disk: string }> {
  const { major, minor } = devNumbers(st);
  const self = `${major}:${minor}`;
  const isPart = (await readText(`/sys/dev/block/${self}/partition`)) !== undefined;
  const disk = isPart ? ((await readText(`/sys/dev/block/${self}/../dev`)) ?? self) : self;
  return { self, disk };
}

/** Mount points of a block device and its partitions (Linux mountinfo, parsed by flasher/drives). */
async function mountsOf(devKey: string): Promise<string[]> {
  const children = new Set<string>([devKey]);
  try {
    const sys = await fsp.realpath(`/sys/dev/block/${devKey}`);
    for (const name of await fsp.readdir(sys)) {
      const d = await readText(join(sys, name, 'dev'));
      if (d !== undefined && (await readText(join(sys, name, 'partition'))) !== undefined) children.add(d);
    }
  } catch {
    // not on Linux sysfs
  }
  const mounts = await readMounts().catch(() => []);
  return mounts.filter((m) => children.has(m.devno)).map((m) => m.mountpoint);
}

export class WriteTarget {
  private committed = false;
  private directOk = true;

  private constructor(
    public readonly path: string,
    public readonly kind: TargetKind,
    /** Bytes the target can hold; undefined for files (they grow). */
    public readonly capacity: number | undefined,
    public readonly sectorSize: number,
    private readonly fh: fsp.FileHandle,
    /** O_DIRECT handle when the OS allowed one. */
    private readonly directFh: fsp.FileHandle | undefined,
    /** For file targets: the temporary file being written. */
    private readonly tempPath: string | undefined,
    /** Size the file target ends up with. */
    public readonly fileSize: number | undefined,
  ) {}

  public get direct(): boolean {
    return this.directFh !== undefined && this.directOk;
  }

  /** Stop using direct I/O (the buffers cannot be aligned for this device). */
  public disableDirect(): void {
    this.directOk = false;
  }

  /** The handle an O_DIRECT alignment probe can read from (block devices only). */
  public get probeHandle(): fsp.FileHandle | undefined {
    return this.directFh;
  }

  public static async open(path: string, imageSize: number | undefined, sourcePath: string | undefined): Promise<WriteTarget> {
    const abs = resolve(path);
    let st: Stats | undefined;
    try {
      st = await fsp.stat(abs);
    } catch (e) {
      if (sysCode(e) !== 'ENOENT') throw fromIoError(e, path, 'open');
    }
    if (st?.isDirectory() === true) throw new FlashError('E_TARGET_INVALID', `${path} is a directory, not a drive or image file`, { target: path, phase: 'open' });
    if (st?.isBlockDevice() === true) return WriteTarget.openBlock(path, st, sourcePath);
    if (st !== undefined && !st.isFile()) throw new FlashError('E_TARGET_INVALID', `${path} is neither a block device nor a regular file`, { target: path, phase: 'open' });
    return WriteTarget.openFile(path, abs, st, imageSize, sourcePath);
  }

  private static async openBlock(path: string, st: Stats, sourcePath: string | undefined): Promise<WriteTarget> {
    const id = await blockIdentity(st);
    if (sourcePath !== undefined) await refuseIfHoldsSource(path, id, sourcePath);
    if ((await readText(`/sys/dev/block/${id.self}/ro`)) === '1') {
      throw new FlashError('E_TARGET_READONLY', `${path} is read-only (write-protect switch or read-only device)`, { target: path, phase: 'open' });
    }
    const mounts = await mountsOf(id.self);
    if (mounts.length > 0) {
      throw new FlashError('E_TARGET_BUSY', `${path} is mounted at ${mounts.join(', ')}`, { target: path, phase: 'open' });
    }
    const geo = await blockDeviceGeometry(st);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(path, fsc.O_RDWR | fsc.O_EXCL);
    } catch (e) {
      throw fromIoError(e, path, 'open');
    }
    let directFh: fsp.FileHandle | undefined;
    if (O_DIRECT !== 0) {
      try {
        directFh = await fsp.open(path, fsc.O_RDWR | O_DIRECT);
      } catch {
        directFh = undefined;
      }
    }
    return new WriteTarget(path, 'block', geo.size, geo.sectorSize ?? 512, fh, directFh, undefined, undefined);
  }

  private static async openFile(path: string, abs: string, st: Stats | undefined, imageSize: number | undefined, sourcePath: string | undefined): Promise<WriteTarget> {
    if (sourcePath !== undefined && st !== undefined) {
      const src = await fsp.stat(sourcePath).catch(() => undefined);
      if (src !== undefined && src.ino === st.ino && src.dev === st.dev) {
        throw new FlashError('E_TARGET_HOLDS_SOURCE', `${path} is the source image itself`, { target: path, phase: 'open' });
      }
    }
    const dir = dirname(abs);
    try {
      const d = await fsp.stat(dir);
      if (!d.isDirectory()) throw new Error('not a directory');
    } catch {
      throw new FlashError('E_TARGET_MISSING', `${path}: folder ${dir} does not exist`, { target: path, phase: 'open' });
    }
    const tempPath = join(dir, `.${basename(abs)}.3os-partial-${randomBytes(4).toString('hex')}`);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(tempPath, fsc.O_RDWR | fsc.O_CREAT | fsc.O_EXCL, st?.mode ?? 0o644);
    } catch (e) {
      throw fromIoError(e, path, 'open');
    }
    const fileSize = Math.max(st?.size ?? 0, imageSize ?? 0);
    try {
      await fh.truncate(fileSize);
    } catch (e) {
      await fh.close();
      await fsp.rm(tempPath, { force: true });
      throw fromIoError(e, path, 'open');
    }
    let directFh: fsp.FileHandle | undefined;
    if (O_DIRECT !== 0) {
      try {
        directFh = await fsp.open(tempPath, fsc.O_RDWR | O_DIRECT);
      } catch {
        directFh = undefined;
      }
    }
    return new WriteTarget(path, 'file', undefined, 512, fh, directFh, tempPath, fileSize);
  }

  /** Write bytes at an image offset. Uses the direct handle when the piece is aligned. */
  public async writeAt(data: Buffer, offset: number, aligned: boolean): Promise<void> {
    if (this.capacity !== undefined && offset + data.length > this.capacity) {
      const short = offset + data.length - this.capacity;
      throw new FlashError('E_TOO_SMALL', `${this.path} is too small: the image needs at least ${short} more bytes`, {
        target: this.path,
        phase: 'write',
        offset,
      });
    }
    const useDirect = aligned && this.direct && this.isAligned(offset, data.length);
    const fh = useDirect && this.directFh !== undefined ? this.directFh : this.fh;
    let done = 0;
    try {
      while (done < data.length) {
        const { bytesWritten } = await fh.write(data, done, data.length - done, offset + done);
        if (bytesWritten === 0) throw Object.assign(new Error('no progress'), { code: 'ENOSPC' });
        done += bytesWritten;
      }
    } catch (e) {
      if (useDirect && sysCode(e) === 'EINVAL') {
        // The kernel refused this buffer for direct I/O: go on through the page cache.
        this.disableDirect();
        return this.writeAt(data.subarray(done), offset + done, false);
      }
      throw fromIoError(e, this.path, 'write', offset + done);
    }
  }

  /** Read into `buf` (from the device itself, bypassing caches when direct I/O is on). */
  public async readAt(buf: Buffer, offset: number, aligned: boolean): Promise<number> {
    const useDirect = aligned && this.direct && this.isAligned(offset, buf.length);
    const fh = useDirect && this.directFh !== undefined ? this.directFh : this.fh;
    let done = 0;
    try {
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, buf.length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } catch (e) {
      if (useDirect && sysCode(e) === 'EINVAL') {
        this.disableDirect();
        return this.readAt(buf, offset, false);
      }
      throw fromIoError(e, this.path, 'verify', offset + done);
    }
    return done;
  }

  public isAligned(offset: number, length: number): boolean {
    const a = Math.max(this.sectorSize, 512);
    return offset % a === 0 && length % a === 0;
  }

  public async flush(): Promise<void> {
    try {
      await this.fh.sync();
      await this.directFh?.sync();
    } catch (e) {
      throw fromIoError(e, this.path, 'flush');
    }
  }

  /** File targets: put the verified temporary file in place of the target. */
  public async commit(): Promise<void> {
    if (this.tempPath !== undefined) {
      await fsp.rename(this.tempPath, resolve(this.path));
      await syncDir(dirname(resolve(this.path)));
    }
    this.committed = true;
  }

  /** After a failure: drop the partial file, or make sure the device's first MiB is zero. */
  public async abort(headBytes: number): Promise<void> {
    if (this.tempPath !== undefined) {
      if (!this.committed) await fsp.rm(this.tempPath, { force: true });
      return;
    }
    try {
      const zeros = Buffer.alloc(Math.min(headBytes, this.capacity ?? headBytes));
      await this.fh.write(zeros, 0, zeros.length, 0);
      await this.fh.sync();
    } catch {
      // The device may be gone (unplugged): nothing more can be done for it.
    }
  }

  public async close(): Promise<void> {
    await this.directFh?.close().catch(() => undefined);
    await this.fh.close().catch(() => undefined);
    if (this.tempPath !== undefined && !this.committed) await fsp.rm(this.tempPath, { force: true });
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const d = await fsp.open(dir, fsc.O_RDONLY);
    await d.sync().catch(() => undefined);
    await d.close();
  } catch {
    // Not every OS lets a directory be opened; the rename is still atomic.
  }
}

/** Refuse a block device that stores the source image (its filesystem or its loop backing file). */
async function refuseIfHoldsSource(path: string, id: { self: string; disk: string }, sourcePath: string): Promise<void> {
  const src = await fsp.stat(sourcePath).catch(() => undefined);
  if (src === undefined) return;
  const { major, minor } = devNumbers({ rdev: src.dev } as Stats);
  const srcKey = `${major}:${minor}`;
  const srcIsPart = (await readText(`/sys/dev/block/${srcKey}/partition`)) !== undefined;
  const srcDisk = srcIsPart ? ((await readText(`/sys/dev/block/${srcKey}/../dev`)) ?? srcKey) : srcKey;
  const backing = await readText(`/sys/dev/block/${id.self}/loop/backing_file`);
  const srcReal = await fsp.realpath(sourcePath).catch(() => sourcePath);
  if (srcKey === id.self || srcDisk === id.disk || srcKey === id.disk || backing === srcReal) {
    throw new FlashError('E_TARGET_HOLDS_SOURCE', `${path} holds the source image ${sourcePath}: writing would destroy it`, {
      target: path,
      phase: 'open',
    });
  }
}
