/**
 * Byte I/O confined to one partition of a DiskIO.
 *
 * The FAT code addresses bytes from the start of the volume; this wrapper adds the partition
 * start and refuses any access outside the partition, so a corrupt BPB can never make us read or
 * write another partition's bytes.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';

export class VolumeIO {
  public constructor(
    private readonly disk: DiskIO,
    public readonly start: number,
    public readonly length: number,
  ) {}

  public get path(): string {
    return this.disk.path;
  }

  private check(offset: number, len: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || len < 0 || offset + len > this.length) {
      throw new FlashError('E_FAT', `FAT access outside the partition (byte ${offset} + ${len} of ${this.length})`, {
        target: this.disk.path,
        offset: this.start + offset,
      });
    }
  }

  public async read(offset: number, len: number): Promise<Buffer> {
    this.check(offset, len);
    return this.disk.read(this.start + offset, len);
  }

  public async write(offset: number, data: Uint8Array): Promise<void> {
    this.check(offset, data.length);
    await this.disk.write(this.start + offset, data);
  }

  public async flush(): Promise<void> {
    await this.disk.flush();
  }
}
