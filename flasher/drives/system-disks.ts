/**
 * Which whole disks run this system, decided from what is really mounted, not from "removable".
 *
 * A disk is a system disk when it backs /, /boot, /boot/efi, /efi, /usr or /var, or active swap,
 * directly or through any stack of dm (LVM, dm-crypt) and md (RAID) devices: we follow sysfs
 * slaves from the mounted device down to the whole disks. An internal SD reader or eMMC is not
 * a system disk unless it backs the running system (a Pi booted from USB can flash its own card).
 */
import type { MountEntry, SwapEntry } from './mountinfo.js';
import { disksUnder, nameForDevPath, type SysBlockTree } from './sysfs.js';

/** Mount points whose disks we treat as the running system. */
export const SYSTEM_MOUNTPOINTS: readonly string[] = ['/', '/boot', '/boot/efi', '/efi', '/usr', '/var'];

/** Block device name behind a mount: by major:minor, else by the /dev source path. */
export function mountDevice(tree: SysBlockTree, m: MountEntry): string | undefined {
  return tree.byDevno.get(m.devno) ?? (m.source.startsWith('/dev/') ? nameForDevPath(tree, m.source) : undefined);
}

/** The mount that holds a path (longest mount point prefix). */
export function mountHolding(mounts: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const mp = m.mountpoint;
    const inside = mp === '/' || path === mp || path.startsWith(`${mp}/`);
    if (inside && (best === undefined || mp.length >= best.mountpoint.length)) best = m;
  }
  return best;
}

/** Whole disk name -> human reasons ("/ via dm-0 -> sda2 -> sda"). */
export function resolveSystemDisks(
  tree: SysBlockTree,
  mounts: readonly MountEntry[],
  swaps: readonly SwapEntry[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (what: string, dev: string | undefined): void => {
    if (dev === undefined) return;
    for (const [disk, chain] of disksUnder(tree, dev)) {
      const reason = chain.length <= 1 ? `${what} on ${disk}` : `${what} via ${chain.join(' -> ')}`;
      const list = out.get(disk) ?? [];
      if (!list.includes(reason)) list.push(reason);
      out.set(disk, list);
    }
  };
  for (const m of mounts) {
    if (SYSTEM_MOUNTPOINTS.includes(m.mountpoint)) add(m.mountpoint, mountDevice(tree, m));
  }
  for (const s of swaps) {
    if (s.type === 'partition') {
      add(`swap ${s.path}`, nameForDevPath(tree, s.path));
    } else {
      const m = mountHolding(mounts, s.path);
      if (m !== undefined) add(`swap file ${s.path}`, mountDevice(tree, m));
    }
  }
  return out;
}

/** Whole disks under a device number (e.g. a source file's st_dev): for "holds the source". */
export function disksUnderDevno(tree: SysBlockTree, devno: string): string[] {
  const name = tree.byDevno.get(devno);
  return name === undefined ? [] : [...disksUnder(tree, name).keys()];
}
