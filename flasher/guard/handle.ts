/**
 * A target the guard has let through: the one way a verb gets at a disk it changes.
 *
 * A block device is held open with O_EXCL for the whole job (Linux: the kernel then refuses a
 * mount, another exclusive opener such as mkfs or a second flasher, and we fail if someone
 * holds it already), so nothing else can change it between the checks and the last write. An
 * image file is not opened here: `write` builds it in a temporary sibling (flasher/write), and
 * the edit verbs open it through `disk()`.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import { diskOverHandle, type DiskIO, blockDeviceGeometry } from '../disk-io.js';
import { FlashError, fromIoError, sysCode } from '../errors.js';
import type { Drive } from '../drives/types.js';

export type HandleKind = 'block' | 'file';

export class TargetHandle {
  private readonly opened: DiskIO[] = [];
  private released = false;

  private constructor(
    public readonly path: string,
    public readonly kind: HandleKind,
    /** What the drive list knew about the target when it was checked. */
    public readonly drive: Drive | undefined,
    /** Block devices: the exclusive read-write handle, held until release(). */
    private readonly fh: fsp.FileHandle | undefined,
    /** Block devices: size in bytes and logical sector size. */
    public readonly size: number | undefined,
    public readonly sectorSize: number,
  ) {}

  /** Take a block device exclusively, or note an image-file target. Only flasher/guard calls this. */
  public static async take(path: string, drive: Drive | undefined): Promise<TargetHandle> {
    let st;
    try {
      st = await fsp.stat(path);
    } catch (e) {
      if (sysCode(e) === 'ENOENT') return new TargetHandle(path, 'file', drive, undefined, undefined, 512);
      throw fromIoError(e, path, 'open');
    }
    if (!st.isBlockDevice()) return new TargetHandle(path, 'file', drive, undefined, undefined, 512);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(path, fsc.O_RDWR | fsc.O_EXCL);
    } catch (e) {
      if (sysCode(e) === 'EBUSY') {
        throw new FlashError('E_TARGET_BUSY', `${path} is in use: mounted, or held open by another program (a second flasher, mkfs, LVM)`, { target: path, phase: 'open' });
      }
      throw fromIoError(e, path, 'open');
    }
    const g = await blockDeviceGeometry(await fh.stat());
    return new TargetHandle(path, 'block', drive, fh, g.size, g.sectorSize ?? drive?.sectorSize ?? 512);
  }

  /** The exclusive handle of a block device (the write engine writes through it). */
  public get exclusive(): fsp.FileHandle | undefined {
    this.assertLive();
    return this.fh;
  }

  /**
   * Random access to the target for the edit steps (grow, seed, slot, repair). Block devices:
   * over the exclusive handle. Image files: opened now (after `write` put the file in place).
   */
  public async disk(): Promise<DiskIO> {
    this.assertLive();
    if (this.fh !== undefined) return diskOverHandle(this.fh, this.path, { owned: false });
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(this.path, fsc.O_RDWR);
    } catch (e) {
      if (sysCode(e) === 'ENOENT') throw new FlashError('E_TARGET_MISSING', `${this.path}: no such file or device`, { target: this.path, phase: 'open' });
      throw fromIoError(e, this.path, 'open');
    }
    try {
      const d = await diskOverHandle(fh, this.path, { owned: true });
      this.opened.push(d);
      return d;
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** Flush and give the target back (idempotent). */
  public async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    for (const d of this.opened.splice(0)) await d.close().catch(() => undefined);
    if (this.fh !== undefined) {
      await this.fh.sync().catch(() => undefined);
      await this.fh.close().catch(() => undefined);
    }
  }

  private assertLive(): void {
    if (this.released) throw new Error(`${this.path}: the guarded handle was used after release`);
  }
}
