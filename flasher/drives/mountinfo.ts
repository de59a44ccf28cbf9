/**
 * Parsers for /proc/self/mountinfo and /proc/swaps: which block devices are in use, and for what.
 *
 * mountinfo (not /proc/mounts) because it carries the mounted device's major:minor, which stays
 * right for /dev/mapper names, /dev/root and bind mounts; the source path is kept as a fallback
 * for file systems with anonymous device numbers (btrfs reports 0:NN).
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

export interface MountEntry {
  /** "major:minor" of the mounted device as the kernel reports it. */
  readonly devno: string;
  readonly mountpoint: string;
  readonly fstype: string;
  /** Mount source, e.g. /dev/sda1, /dev/mapper/vg-root, tmpfs. */
  readonly source: string;
  /** Mounted read-only (the per-mount option "ro"); absent when read-write. */
  readonly readOnly?: true | undefined;
}

export interface SwapEntry {
  /** Swap device or file path. */
  readonly path: string;
  /** 'partition' or 'file' (kept as the kernel wrote it). */
  readonly type: string;
}

/** Undo the kernel's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
export function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parse mountinfo text; malformed lines are skipped. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parts = line.split(' ');
    const sep = parts.indexOf('-', 6);
    const devno = parts[2];
    const mountpoint = parts[4];
    const fstype = parts[sep + 1];
    const source = parts[sep + 2];
    if (sep < 0 || devno === undefined || mountpoint === undefined || fstype === undefined || source === undefined) continue;
    if (!/^\d+:\d+$/.test(devno)) continue;
    const readOnly = parts[5]?.split(',').includes('ro') === true ? true : undefined;
    out.push({ devno, mountpoint: unescapeMountField(mountpoint), fstype, source: unescapeMountField(source), ...(readOnly === true ? { readOnly } : {}) });
  }
  return out;
}

/** Parse /proc/swaps (header line first). */
export function parseSwaps(text: string): SwapEntry[] {
  const out: SwapEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [path, type] = line.trim().split(/\s+/);
    if (path === undefined || path === '' || type === undefined) continue;
    out.push({ path: unescapeMountField(path), type });
  }
  return out;
}

async function readOr(path: string, fallback: string): Promise<string> {
  try {
    return await fsp.readFile(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** Mounts of this process's mount namespace, read under `root` (default "/"). */
export async function readMounts(root = '/'): Promise<MountEntry[]> {
  return parseMountinfo(await readOr(join(root, 'proc/self/mountinfo'), ''));
}

export async function readSwaps(root = '/'): Promise<SwapEntry[]> {
  return parseSwaps(await readOr(join(root, 'proc/swaps'), 'Filename Type Size Used Priority\n'));
}
