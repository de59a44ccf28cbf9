/**
 * A snapshot of Linux's block-device graph from sysfs: disks, their partitions, and the
 * holders/slaves links that stack dm (LVM, dm-crypt) and md (RAID) devices on top of them.
 *
 * Everything is read under a root directory so unit tests can build a fixture tree (for example
 * `/` on LVM over a partition: dm-0 -> slaves sda2 -> disk sda) instead of needing such a machine.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

export interface SysBlockDev {
  /** Kernel name: sda, sda2, dm-0, md0, loop3, mmcblk0p1. */
  readonly name: string;
  /** "major:minor". */
  readonly devno: string;
  /** Name of the whole disk this belongs to (itself for a disk). */
  readonly disk: string;
  readonly isPartition: boolean;
  /** Size in bytes (sysfs counts 512-byte units whatever the sector size). */
  readonly size: number;
  /** Devices this one is built on (dm/md), by name. */
  readonly slaves: readonly string[];
  /** Devices built on this one, by name. */
  readonly holders: readonly string[];
  /** dm devices: their /dev/mapper name. */
  readonly dmName: string | undefined;
}

export interface SysBlockTree {
  readonly byName: ReadonlyMap<string, SysBlockDev>;
  readonly byDevno: ReadonlyMap<string, string>;
  /** Whole-disk names in /sys/block, sorted. */
  readonly disks: readonly string[];
}

export async function readText(path: string): Promise<string | undefined> {
  try {
    return (await fsp.readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export async function listDir(path: string): Promise<string[]> {
  try {
    return (await fsp.readdir(path)).sort();
  } catch {
    return [];
  }
}

async function readDev(dir: string, name: string, disk: string, isPartition: boolean): Promise<SysBlockDev | undefined> {
  const devno = await readText(join(dir, 'dev'));
  if (devno === undefined) return undefined;
  const sectors = Number((await readText(join(dir, 'size'))) ?? '0');
  return {
    name,
    devno,
    disk,
    isPartition,
    size: Number.isFinite(sectors) ? sectors * 512 : 0,
    slaves: isPartition ? [] : await listDir(join(dir, 'slaves')),
    holders: await listDir(join(dir, 'holders')),
    dmName: await readText(join(dir, 'dm', 'name')),
  };
}

/** Read /sys/block (under `root`) into a graph. */
export async function readBlockTree(root = '/'): Promise<SysBlockTree> {
  const base = join(root, 'sys', 'block');
  const byName = new Map<string, SysBlockDev>();
  const byDevno = new Map<string, string>();
  const disks: string[] = [];
  for (const name of await listDir(base)) {
    const dir = join(base, name);
    const disk = await readDev(dir, name, name, false);
    if (disk === undefined) continue;
    disks.push(name);
    byName.set(name, disk);
    byDevno.set(disk.devno, name);
    for (const child of await listDir(dir)) {
      if (!child.startsWith(name)) continue;
      if ((await readText(join(dir, child, 'partition'))) === undefined) continue;
      const part = await readDev(join(dir, child), child, name, true);
      if (part === undefined) continue;
      byName.set(child, part);
      byDevno.set(part.devno, child);
    }
  }
  return { byName, byDevno, disks };
}

/** Partitions of a disk, by name, in sysfs order. */
export function partitionsOf(tree: SysBlockTree, disk: string): SysBlockDev[] {
  return [...tree.byName.values()].filter((d) => d.isPartition && d.disk === disk);
}

/**
 * Whole disks a device sits on, each with the chain that leads there.
 *
 * dm-0 (LVM on sda2) gives sda with chain [dm-0, sda2, sda]; md0 over sda1+sdb1 gives both disks.
 */
export function disksUnder(tree: SysBlockTree, name: string, seen: Set<string> = new Set()): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (seen.has(name)) return out;
  seen.add(name);
  const dev = tree.byName.get(name);
  if (dev === undefined) return out;
  if (dev.isPartition) {
    out.set(dev.disk, [name, dev.disk]);
    return out;
  }
  if (dev.slaves.length === 0) {
    out.set(name, [name]);
    return out;
  }
  for (const slave of dev.slaves) {
    for (const [disk, chain] of disksUnder(tree, slave, seen)) {
      if (!out.has(disk)) out.set(disk, [name, ...chain]);
    }
  }
  return out;
}

/** Every device stacked above a disk or its partitions (recursively), e.g. [dm-0, dm-1]. */
export function holdersAbove(tree: SysBlockTree, disk: string): string[] {
  const out: string[] = [];
  const visit = (name: string): void => {
    for (const h of tree.byName.get(name)?.holders ?? []) {
      if (out.includes(h)) continue;
      out.push(h);
      visit(h);
    }
  };
  visit(disk);
  for (const p of partitionsOf(tree, disk)) visit(p.name);
  return out;
}

/** Find a block device by a /dev path: /dev/sda2, /dev/mapper/vg-root, /dev/dm-0, /dev/md/root. */
export function nameForDevPath(tree: SysBlockTree, path: string): string | undefined {
  const m = /^\/dev\/mapper\/(.+)$/.exec(path);
  if (m !== null) {
    for (const d of tree.byName.values()) if (d.dmName === m[1]) return d.name;
    return undefined;
  }
  const last = path.split('/').pop() ?? '';
  return tree.byName.has(last) ? last : undefined;
}
