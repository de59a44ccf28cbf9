/**
 * Real-tool helpers for the partition-grow integration test: sgdisk and sfdisk build the disks
 * and judge (and reproduce) our results; losetup attaches files as 512- or 4096-byte-sector
 * block devices (testkit/loop.ts, detached after every test). Missing tools fail loudly (CI must
 * install gdisk, fdisk and util-linux). Tools run through testkit/sh.ts.
 */
import { closeSync, copyFileSync, openSync, readSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { openDisk, type DiskIO } from '../../flasher/disk-io.js';
import { growDataPartition, type GrowOptions } from '../../provisioning/partition/index.js';
import type { GrowTableResult } from '../../provisioning/partition/types.js';
import { shSync, shSyncOk, type ShResult } from '../../testkit/sh.js';

/** Copy an image and extend the copy (sparse) to `size` bytes, like flashing it onto a bigger disk. */
export function flashCopy(src: string, dst: string, size: number): void {
  copyFileSync(src, dst);
  truncateSync(dst, size);
}

/** `sfdisk --dump`, with the device name replaced so dumps of two disks compare. */
export function sfdiskDump(dev: string): string {
  return shSyncOk('sfdisk', ['--dump', dev]).split(dev).join('DEV');
}

/** `sfdisk -J` parsed. */
export interface SfdiskJson {
  partitiontable: {
    label: string;
    id: string;
    firstlba?: number;
    lastlba?: number;
    sectorsize: number;
    partitions: { node: string; start: number; size: number; type: string; uuid?: string; name?: string }[];
  };
}

export function sfdiskJson(dev: string): SfdiskJson {
  return JSON.parse(shSyncOk('sfdisk', ['-J', dev])) as SfdiskJson;
}

/** `sgdisk -v` must say "No problems found" and exit 0. */
export function sgdiskVerify(dev: string): ShResult {
  return shSync('sgdisk', ['-v', dev]);
}

/** `sgdisk -p` with the device name stripped. */
export function sgdiskPrint(dev: string): string {
  return shSyncOk('sgdisk', ['-p', dev]).split(dev).join('DEV');
}

/** Grow the last partition the way the real tools do: `sgdisk -e`, then sfdisk `-N n` with ', +'. */
export function referenceGrowGpt(dev: string, partNo: number): void {
  shSyncOk('sgdisk', ['-e', dev]);
  shSyncOk('sfdisk', ['--no-reread', '--no-tell-kernel', '-N', String(partNo), dev], { input: ', +\n' });
}

/** sfdisk `', +'` on the container and then on the last logical partition (or just a primary). */
export function referenceGrowMbr(dev: string, partNos: readonly number[]): void {
  for (const n of partNos) shSyncOk('sfdisk', ['--no-reread', '--no-tell-kernel', '-N', String(n), dev], { input: ', +\n' });
}

/** Whole-file byte comparison (cmp streams it; the files are sparse but may be GiB-sized). */
export function sameBytes(a: string, b: string): boolean {
  const r = shSync('cmp', [a, b]);
  if (r.code > 1) throw new Error(`cmp failed: ${r.text}`);
  return r.code === 0;
}

/** Compare byte ranges [offset, offset+length) of two files. */
export function sameRegions(a: string, b: string, regions: readonly (readonly [number, number])[]): boolean {
  for (const [offset, length] of regions) {
    const ra = readRange(a, offset, length);
    const rb = readRange(b, offset, length);
    if (!ra.equals(rb)) return false;
  }
  return true;
}

function readRange(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, offset);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** A sparse copy to compare against later (cp keeps holes). */
export function snapshot(src: string, dst: string): void {
  shSyncOk('cp', ['--sparse=always', src, dst]);
}

/** The 3os GPT layout of the standard, small: 8 MiB boot, 4 MiB config, 16 MiB roots, data to the end. */
export function make3osGpt(dev: string, sectorSize = 512): void {
  shSyncOk('sgdisk', [
    '-a', String((1024 * 1024) / sectorSize),
    '-n', '1:1M:+8M', '-t', '1:ef00', '-c', '1:3os-boot',
    '-n', '2:0:+4M', '-t', '2:0700', '-c', '2:3os-config',
    '-n', '3:0:+16M', '-t', '3:8304', '-c', '3:3os-root-a',
    '-n', '4:0:+16M', '-t', '4:8304', '-c', '4:3os-root-b',
    '-n', '5:0:+16M', '-t', '5:8e00', '-c', '5:3os-data',
    dev,
  ]);
}

/** The 3os MBR variant: p1 boot 0x0c, p2 config 0x0c, p3 root-a 0x83, p4 extended, p5 root-b 0x83, p6 data 0x8e. */
export function make3osMbr(dev: string): void {
  const script = [
    'label: dos',
    'label-id: 0x3e05d1a7',
    'start=2048, size=8M, type=c, bootable',
    'size=4M, type=c',
    'size=16M, type=83',
    'type=5',
    'size=16M, type=83',
    'size=16M, type=8e',
    '',
  ].join('\n');
  shSyncOk('sfdisk', ['--no-reread', '--no-tell-kernel', dev], { input: script });
}

const MiB = 1024 * 1024;

export async function withDisk<T>(path: string, fn: (d: DiskIO) => Promise<T>, sectorSize?: number): Promise<T> {
  const d = await openDisk(path, { writable: true, ...(sectorSize === undefined ? {} : { sectorSize }) });
  try {
    return await fn(d);
  } finally {
    await d.close();
  }
}

export const grow = (path: string, opts?: GrowOptions): Promise<GrowTableResult> => withDisk(path, (d) => growDataPartition(d, opts));

/** Flip all bits of one byte of a file in place. */
export function corruptByte(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, offset);
    b[0] = (b[0] ?? 0) ^ 0xff;
    writeSync(fd, b, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * Our grown disk equals the tools' grown disk. Both start as the same sparse copy; we compare the
 * image area and the last MiB, after checking that every write we made lies inside them (sfdisk
 * and sgdisk only write table sectors, in the same places). A whole-file cmp of a GiB file is done
 * once, in the image-file test; repeating it everywhere costs minutes on a busy machine.
 */
export function expectSameAsReference(ours: string, ref: string, size: number, r: GrowTableResult): void {
  const regions = [[0, 64 * MiB], [size - MiB, MiB]] as const;
  for (const w of r.writes) {
    expect(regions.some(([o, l]) => w.offset >= o && w.offset + w.length <= o + l), `write ${w.what} at ${w.offset}`).toBe(true);
  }
  expect(sameRegions(ours, ref, regions)).toBe(true);
}

export function expectSgdiskClean(dev: string): void {
  const v = sgdiskVerify(dev);
  expect(v.text).toMatch(/No problems found/);
  expect(v.code).toBe(0);
}

/** A new 64 MiB image in `dir`, partitioned by `make`. */
export function newImage(dir: string, name: string, make: (path: string) => void): string {
  const path = join(dir, name);
  writeFileSync(path, '');
  truncateSync(path, 64 * MiB);
  make(path);
  return path;
}
