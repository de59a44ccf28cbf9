// Shared by the FAT unit tests: an in-memory disk and a freshly formatted in-memory FAT16.
import type { DiskIO } from '../../../../flasher/disk-io.js';
import { FlashError } from '../../../../flasher/errors.js';

/** A disk held in a Buffer. */
export function memDisk(buf: Buffer): DiskIO {
  return {
    path: 'mem',
    size: buf.length,
    sectorSize: 512,
    read: (off, len) => {
      if (off + len > buf.length) throw new FlashError('E_TRUNCATED', 'read past the end');
      return Promise.resolve(Buffer.from(buf.subarray(off, off + len)));
    },
    write: (off, data) => {
      Buffer.from(data).copy(buf, off);
      return Promise.resolve();
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

// FAT16: 512-byte sectors and clusters, 1 reserved sector, 2 FATs of 32 sectors, 512 root entries.
export const RSV = 1;
export const FATSZ = 32;
export const FAT1 = RSV * 512;
export const FAT2 = (RSV + FATSZ) * 512;
export const ROOT = (RSV + 2 * FATSZ) * 512;
export const DATA = ROOT + 32 * 512;
export const TOTAL = 8192;

/** An empty FAT16 volume labelled 3OS-CONFIG. */
export function format(): Buffer {
  const img = Buffer.alloc(TOTAL * 512);
  img[0] = 0xeb;
  img[1] = 0x3c;
  img[2] = 0x90;
  img.writeUInt16LE(512, 11);
  img[13] = 1;
  img.writeUInt16LE(RSV, 14);
  img[16] = 2;
  img.writeUInt16LE(512, 17);
  img.writeUInt16LE(TOTAL, 19);
  img[21] = 0xf8;
  img.writeUInt16LE(FATSZ, 22);
  img[38] = 0x29;
  img.write('3OS-CONFIG FAT16   ', 43, 'latin1');
  img.writeUInt16LE(0xaa55, 510);
  for (const fat of [FAT1, FAT2]) {
    img.writeUInt16LE(0xfff8, fat);
    img.writeUInt16LE(0xffff, fat + 2);
  }
  return img;
}

/** Set a cluster's FAT entry in the given copies (default: both). */
export function setFat(img: Buffer, cluster: number, value: number, copies: readonly number[] = [FAT1, FAT2]): void {
  for (const fat of copies) img.writeUInt16LE(value, fat + cluster * 2);
}

/** Byte offset of a data cluster. */
export const clusterAt = (c: number): number => DATA + (c - 2) * 512;
