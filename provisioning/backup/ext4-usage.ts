/**
 * Which blocks of an ext2/3/4 file system are in use, from its own block bitmaps, read without
 * mounting and without e2fsprogs (so it works inside an LV of an unopened disk, on any OS).
 * Groups flagged BLOCK_UNINIT (checksummed file systems) have no bitmap on disk: their used
 * blocks are the superblock/GDT backup and the bitmaps and inode tables placed in them, as
 * mke2fs lays them out. A file system whose journal still needs replaying, or with meta_bg,
 * is not judged (undefined: the caller reads it whole).
 */
import type { DiskIO } from '../../flasher/disk-io.js';

export interface Ext4Usage {
  readonly blockSize: number;
  /** Byte ranges [start, end) relative to the file system's start, sorted. */
  readonly used: readonly { readonly start: number; readonly end: number }[];
  readonly usedBytes: number;
  readonly sizeBytes: number;
}

const EXT4_MAGIC = 0xef53;
const INCOMPAT_RECOVER = 0x4;
const INCOMPAT_META_BG = 0x10;
const INCOMPAT_64BIT = 0x80;
const RO_COMPAT_SPARSE_SUPER = 0x1;
const RO_COMPAT_GDT_CSUM = 0x10;
const RO_COMPAT_METADATA_CSUM = 0x400;
const COMPAT_SPARSE_SUPER2 = 0x200;
const BG_BLOCK_UNINIT = 0x2;

/** True when the bytes at `start` hold an ext2/3/4 superblock. */
export async function isExt4(disk: DiskIO, start: number, length: number): Promise<boolean> {
  if (length < 2048) return false;
  const sb = await disk.read(start + 1024, 1024);
  return sb.readUInt16LE(0x38) === EXT4_MAGIC;
}

function isPowerOf(n: number, base: number): boolean {
  if (n < 1) return false;
  while (n % base === 0) n /= base;
  return n === 1;
}

/** Why a file system is not judged, or its used blocks. */
export async function ext4Usage(disk: DiskIO, start: number, length: number): Promise<Ext4Usage | { readonly skipped: string }> {
  const sb = await disk.read(start + 1024, 1024);
  if (sb.readUInt16LE(0x38) !== EXT4_MAGIC) return { skipped: 'no ext2/3/4 superblock' };
  const incompat = sb.readUInt32LE(0x60);
  const roCompat = sb.readUInt32LE(0x64);
  const compat = sb.readUInt32LE(0x5c);
  if ((incompat & INCOMPAT_RECOVER) !== 0) return { skipped: 'its journal needs replaying (it was not unmounted cleanly), so its bitmaps may be stale' };
  if ((incompat & INCOMPAT_META_BG) !== 0) return { skipped: 'it uses meta_bg' };
  const is64 = (incompat & INCOMPAT_64BIT) !== 0;
  const logBs = sb.readUInt32LE(0x18);
  if (logBs > 6) return { skipped: `unreadable block size (log ${logBs})` };
  const bs = 1024 << logBs;
  const blocks = sb.readUInt32LE(0x4) + (is64 ? sb.readUInt32LE(0x150) * 2 ** 32 : 0);
  const firstData = sb.readUInt32LE(0x14);
  const bpg = sb.readUInt32LE(0x20);
  const ipg = sb.readUInt32LE(0x28);
  const inodeSize = sb.readUInt32LE(0x4c) >= 1 ? sb.readUInt16LE(0x58) : 128;
  const descSize = is64 ? sb.readUInt16LE(0xfe) : 32;
  const reservedGdt = sb.readUInt16LE(0xce);
  if (bpg === 0 || bpg > bs * 8 || descSize < 32 || blocks * bs > length || blocks <= firstData) return { skipped: 'its superblock is inconsistent with the volume' };
  const csum = (roCompat & (RO_COMPAT_GDT_CSUM | RO_COMPAT_METADATA_CSUM)) !== 0;
  const sparse = (roCompat & RO_COMPAT_SPARSE_SUPER) !== 0;
  const sparse2 = (compat & COMPAT_SPARSE_SUPER2) !== 0;
  const backupBgs = [sb.readUInt32LE(0x24c), sb.readUInt32LE(0x250)];
  const groups = Math.ceil((blocks - firstData) / bpg);
  const gdtBlocks = Math.ceil((groups * descSize) / bs);
  const gdt = await disk.read(start + (firstData + 1) * bs, gdtBlocks * bs);
  const hasBackup = (g: number): boolean => {
    if (g === 0) return true;
    if (sparse2) return backupBgs.includes(g);
    if (!sparse) return true;
    return g === 1 || isPowerOf(g, 3) || isPowerOf(g, 5) || isPowerOf(g, 7);
  };
  const itableBlocks = Math.ceil((ipg * inodeSize) / bs);
  const desc = Array.from({ length: groups }, (_, g) => {
    const o = g * descSize;
    const hi = (off: number): number => (is64 && descSize >= 64 ? gdt.readUInt32LE(o + off) * 2 ** 32 : 0);
    return {
      blockBitmap: gdt.readUInt32LE(o) + hi(0x20),
      inodeBitmap: gdt.readUInt32LE(o + 4) + hi(0x24),
      inodeTable: gdt.readUInt32LE(o + 8) + hi(0x28),
      flags: gdt.readUInt16LE(o + 0x12),
    };
  });
  // Blocks of metadata, for groups whose bitmap is not on disk.
  const meta: [number, number][] = [];
  for (const d of desc) meta.push([d.blockBitmap, 1], [d.inodeBitmap, 1], [d.inodeTable, itableBlocks]);

  const used: { start: number; end: number }[] = [];
  const mark = (first: number, count: number): void => {
    if (count <= 0) return;
    const s = first * bs;
    const e = Math.min((first + count) * bs, blocks * bs);
    const last = used[used.length - 1];
    if (last !== undefined && last.end >= s) last.end = Math.max(last.end, e);
    else used.push({ start: s, end: e });
  };
  const pending: [number, number][] = [];
  if (firstData > 0) pending.push([0, firstData]);
  for (let g = 0; g < groups; g++) {
    const gFirst = firstData + g * bpg;
    const gCount = Math.min(bpg, blocks - gFirst);
    const d = desc[g];
    if (d === undefined) break;
    if (csum && (d.flags & BG_BLOCK_UNINIT) !== 0) {
      if (hasBackup(g)) pending.push([gFirst, 1 + gdtBlocks + reservedGdt]);
      for (const [b, n] of meta) {
        const s = Math.max(b, gFirst);
        const e = Math.min(b + n, gFirst + gCount);
        if (e > s) pending.push([s, e - s]);
      }
      continue;
    }
    if (d.blockBitmap < firstData || d.blockBitmap >= blocks) return { skipped: `group ${g}'s block bitmap lies outside the file system` };
    const bitmap = await disk.read(start + d.blockBitmap * bs, bs);
    let run = -1;
    for (let i = 0; i < gCount; i++) {
      const byte = bitmap[i >> 3] ?? 0;
      if ((i & 7) === 0 && i + 8 <= gCount && (byte === 0 || byte === 0xff)) {
        if (byte === 0xff) {
          if (run < 0) run = i;
        } else if (run >= 0) {
          pending.push([gFirst + run, i - run]);
          run = -1;
        }
        i += 7;
        continue;
      }
      const set = ((byte >> (i & 7)) & 1) === 1;
      if (set && run < 0) run = i;
      else if (!set && run >= 0) {
        pending.push([gFirst + run, i - run]);
        run = -1;
      }
    }
    if (run >= 0) pending.push([gFirst + run, gCount - run]);
  }
  pending.sort((a, b) => a[0] - b[0]);
  for (const [b, n] of pending) mark(b, n);
  const usedBytes = used.reduce((n, r) => n + (r.end - r.start), 0);
  return { blockSize: bs, used, usedBytes, sizeBytes: blocks * bs };
}
