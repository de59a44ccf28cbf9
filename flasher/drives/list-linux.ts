/**
 * The Linux drive list, read from sysfs and mountinfo (what lsblk reads too, and what the npm
 * `drivelist` runs lsblk for). Reading them directly adds what drivelist misses: loop devices with
 * their backing files, every mounted partition, holders (LVM/dm/md), serial numbers, and a
 * system-disk decision made from the real mount graph rather than from "not removable".
 */
import { promises as fsp, realpathSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { classifyBus, isListableDiskName, partitionTableFromBytes } from './bus.js';
import { readMounts, readSwaps, type MountEntry } from './mountinfo.js';
import { holdersAbove, partitionsOf, readText, type SysBlockTree, readBlockTree } from './sysfs.js';
import { mountDevice, resolveSystemDisks } from './system-disks.js';
import type { Drive, DriveMount, ListOptions, PartitionTableType } from './types.js';

function clean(s: string | undefined): string | undefined {
  const t = s?.replace(/\s+/g, ' ').trim();
  return t === undefined || t === '' ? undefined : t;
}

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Walk up from a block device's sysfs path to its USB device (the dir with idVendor). */
async function usbDeviceDir(sysPath: string, stopAt: string): Promise<string | undefined> {
  let dir = sysPath;
  while (dir.length > stopAt.length && dir !== dirname(dir)) {
    if ((await readText(join(dir, 'idVendor'))) !== undefined) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

async function readPartitionTable(devPath: string): Promise<PartitionTableType | undefined> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(devPath, 'r');
    const buf = Buffer.alloc(4104);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return partitionTableFromBytes(buf.subarray(0, bytesRead));
  } catch {
    return undefined; // not root, no media, or not a device node: unknown
  } finally {
    await fh?.close();
  }
}

interface Ctx {
  readonly root: string;
  readonly devDir: string;
  readonly tree: SysBlockTree;
  readonly mounts: readonly MountEntry[];
  readonly system: Map<string, string[]>;
}

function mountsOfDisk(ctx: Ctx, disk: string, holders: readonly string[]): DriveMount[] {
  const out: DriveMount[] = [];
  for (const m of ctx.mounts) {
    const dev = mountDevice(ctx.tree, m);
    if (dev === undefined) continue;
    const d = ctx.tree.byName.get(dev);
    if (d === undefined) continue;
    if (d.disk === disk || holders.includes(dev)) {
      const name = d.dmName === undefined ? join(ctx.devDir, dev) : join(ctx.devDir, 'mapper', d.dmName);
      out.push({ device: name, path: m.mountpoint });
    }
  }
  return out;
}

async function describeDisk(ctx: Ctx, name: string): Promise<Drive | undefined> {
  const dev = ctx.tree.byName.get(name);
  if (dev === undefined || dev.size === 0) return undefined;
  const dir = join(ctx.root, 'sys', 'block', name);
  const sysPath = realpathOr(dir);
  const isLoop = name.startsWith('loop');
  const backingFile = isLoop ? await readText(join(dir, 'loop', 'backing_file')) : undefined;
  if (isLoop && backingFile === undefined) return undefined;
  const bus = classifyBus(name, sysPath, await readText(join(dir, 'device', 'type')));
  const usbDir = bus === 'usb' ? await usbDeviceDir(sysPath, join(ctx.root, 'sys')) : undefined;
  let vendor = clean(await readText(join(dir, 'device', 'vendor')));
  if (vendor !== undefined && /^0x[0-9a-f]+$/i.test(vendor)) vendor = undefined; // virtio/pci ids
  vendor ??= usbDir === undefined ? undefined : clean(await readText(join(usbDir, 'manufacturer')));
  const model =
    clean(await readText(join(dir, 'device', 'model'))) ??
    clean(await readText(join(dir, 'device', 'name'))) ??
    (usbDir === undefined ? undefined : clean(await readText(join(usbDir, 'product'))));
  const serial =
    clean(await readText(join(dir, 'device', 'serial'))) ??
    clean(await readText(join(dir, 'serial'))) ??
    (usbDir === undefined ? undefined : clean(await readText(join(usbDir, 'serial'))));
  const holders = holdersAbove(ctx.tree, name);
  const device = join(ctx.devDir, name);
  const sectorSize = Number(await readText(join(dir, 'queue', 'logical_block_size')));
  const systemReasons = ctx.system.get(name) ?? [];
  const description =
    backingFile !== undefined ? `Loop device for ${backingFile}` : ([vendor, model].filter((x) => x !== undefined).join(' ') || `${bus} disk`);
  return {
    kind: isLoop ? 'loop' : 'disk',
    id: device,
    device,
    size: dev.size,
    sectorSize: Number.isFinite(sectorSize) && sectorSize > 0 ? sectorSize : undefined,
    description,
    model,
    vendor,
    serial,
    bus,
    removable: (await readText(join(dir, 'removable'))) === '1',
    readOnly: (await readText(join(dir, 'ro'))) === '1',
    system: systemReasons.length > 0,
    systemReasons,
    mountpoints: mountsOfDisk(ctx, name, holders),
    partitions: partitionsOf(ctx.tree, name).map((p) => join(ctx.devDir, p.name)),
    holders,
    partitionTable: await readPartitionTable(device),
    backingFile,
  };
}

/** Every whole disk worth offering (and loop devices when asked), system ones included and flagged. */
export async function listLinuxDrives(opts: ListOptions = {}): Promise<Drive[]> {
  const root = opts.root ?? '/';
  const tree = await readBlockTree(root);
  const mounts = await readMounts(root);
  const ctx: Ctx = {
    root,
    devDir: opts.devDir ?? '/dev',
    tree,
    mounts,
    system: resolveSystemDisks(tree, mounts, await readSwaps(root)),
  };
  const out: Drive[] = [];
  for (const name of tree.disks) {
    if (!isListableDiskName(name)) continue;
    if (name.startsWith('loop') && opts.includeLoop !== true) continue;
    const d = await describeDisk(ctx, name);
    if (d !== undefined) out.push(d);
  }
  return out;
}
