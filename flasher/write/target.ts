/**
 * A write target: a block device (real or loop) or an image file, built from the guard's handle.
 *
 * Block devices are written through the guard's exclusive handle (O_EXCL: held from the checks to
 * the last write) plus an O_DIRECT handle where the OS allows, so writes bypass the page cache and
 * verification reads what the device really stored. Image files are written to a temporary sibling
 * and renamed over the target only after verification, so a failed write leaves the old file
 * untouched; unwritten ranges stay holes (sparse). An existing larger file keeps its size: it is a
 * virtual disk. All I/O goes through `TargetIO`, which tests wrap to inject faults.
 */
import { promises as fsp, constants as fsc, type Stats } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FlashError, fromIoError, sysCode } from '../errors.js';
import type { TargetHandle } from '../guard/handle.js';
import type { TargetIO, WrapIO } from './job-types.js';

export type { TargetIO, WrapIO } from './job-types.js';

export type TargetKind = 'block' | 'file';

const O_DIRECT = fsc.O_DIRECT ?? 0;

const asIs: WrapIO = (_t, io) => io;

export class WriteTarget {
  private committed = false;
  private directOk = true;
  /** Bytes of this target changed so far (the head/tail wipe included): a failed target with none stays as it was. */
  private touched = false;

  private constructor(
    public readonly path: string,
    public readonly kind: TargetKind,
    /** Bytes the target can hold; undefined for files (they grow). */
    public readonly capacity: number | undefined,
    public readonly sectorSize: number,
    private readonly io: TargetIO,
    /** Handles this target opened itself and closes (the guard's exclusive one is not among them). */
    private readonly own: readonly fsp.FileHandle[],
    /** O_DIRECT I/O when the OS allowed one. */
    private readonly directIo: TargetIO | undefined,
    /** The O_DIRECT handle itself (for the alignment probe). */
    private readonly directFh: fsp.FileHandle | undefined,
    /** For file targets: the temporary file being written. */
    private readonly tempPath: string | undefined,
    /** Size the file target ends up with. */
    public readonly fileSize: number | undefined,
  ) {}

  public get direct(): boolean {
    return this.directIo !== undefined && this.directOk;
  }

  /** Whether any byte of the target was written yet. */
  public get started(): boolean {
    return this.touched;
  }

  /** Stop using direct I/O (the buffers cannot be aligned for this device). */
  public disableDirect(): void {
    this.directOk = false;
  }

  /** The handle an O_DIRECT alignment probe can read from (block devices only). */
  public get probeHandle(): fsp.FileHandle | undefined {
    return this.directFh;
  }

  /** A target over a guarded handle (flasher/guard): the only way the engine gets one. */
  public static async open(handle: TargetHandle, imageSize: number | undefined, wrap: WrapIO = asIs): Promise<WriteTarget> {
    const fh = handle.exclusive;
    if (handle.kind === 'block' && fh !== undefined) return WriteTarget.openBlock(handle, fh, wrap);
    const abs = resolve(handle.path);
    let st: Stats | undefined;
    try {
      st = await fsp.stat(abs);
    } catch (e) {
      if (sysCode(e) !== 'ENOENT') throw fromIoError(e, handle.path, 'open');
    }
    if (st?.isDirectory() === true) throw new FlashError('E_TARGET_INVALID', `${handle.path} is a directory, not a drive or image file`, { target: handle.path, phase: 'open' });
    if (st !== undefined && !st.isFile()) throw new FlashError('E_TARGET_INVALID', `${handle.path} is neither a block device nor a regular file`, { target: handle.path, phase: 'open' });
    return WriteTarget.openFile(handle.path, abs, st, imageSize, wrap);
  }

  private static async openBlock(handle: TargetHandle, fh: fsp.FileHandle, wrap: WrapIO): Promise<WriteTarget> {
    const path = handle.path;
    let directFh: fsp.FileHandle | undefined;
    if (O_DIRECT !== 0) {
      try {
        directFh = await fsp.open(path, fsc.O_RDWR | O_DIRECT);
      } catch {
        directFh = undefined;
      }
    }
    const own = directFh === undefined ? [] : [directFh];
    const directIo = directFh === undefined ? undefined : wrap(path, directFh, 'direct');
    return new WriteTarget(path, 'block', handle.size, handle.sectorSize, wrap(path, fh, 'buffered'), own, directIo, directFh, undefined, undefined);
  }

  private static async openFile(path: string, abs: string, st: Stats | undefined, imageSize: number | undefined, wrap: WrapIO): Promise<WriteTarget> {
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
    const own = directFh === undefined ? [fh] : [directFh, fh];
    const directIo = directFh === undefined ? undefined : wrap(path, directFh, 'direct');
    return new WriteTarget(path, 'file', undefined, 512, wrap(path, fh, 'buffered'), own, directIo, directFh, tempPath, fileSize);
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
    const io = useDirect && this.directIo !== undefined ? this.directIo : this.io;
    this.touched = true;
    let done = 0;
    try {
      while (done < data.length) {
        const { bytesWritten } = await io.write(data, done, data.length - done, offset + done);
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
    const io = useDirect && this.directIo !== undefined ? this.directIo : this.io;
    let done = 0;
    try {
      while (done < buf.length) {
        const { bytesRead } = await io.read(buf, done, buf.length - done, offset + done);
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
      await this.io.sync();
      await this.directIo?.sync();
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

  /**
   * After a failure: drop the partial file, or make sure the device's first MiB is zero so it
   * does not boot half an image. A device nothing was written to yet is left as it was.
   */
  public async abort(headBytes: number): Promise<void> {
    if (this.tempPath !== undefined) {
      if (!this.committed) await fsp.rm(this.tempPath, { force: true });
      return;
    }
    if (!this.touched) return;
    try {
      const zeros = Buffer.alloc(Math.min(headBytes, this.capacity ?? headBytes));
      await this.io.write(zeros, 0, zeros.length, 0);
      await this.io.sync();
    } catch {
      // The device may be gone (unplugged): nothing more can be done for it.
    }
  }

  public async close(): Promise<void> {
    for (const fh of this.own) await fh.close().catch(() => undefined);
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
