/**
 * Turn a storage policy into extent allocations, refusing before any write when it cannot be met.
 *
 * Default (no policy): every free extent to the LV that lies last on the PV (lvextend
 * -l +100%FREE). With a policy: absolute sizes first, in list order (grow only, rounded up to
 * extents); then 'N%FREE' shares of what is left, rounded like LVM (lvextend rounds up, lvcreate
 * down; if rounding up overshoots, the last shares give back the excess extent).
 */
import { humanBytes } from '../../common/bytes.js';
import { FlashError } from '../../flasher/errors.js';
import { allocateExtents, freeCount, lvExtents, type PeRun, type WorkLv } from './allocate.js';
import { newLvNode } from './create-lv.js';
import { parseSize } from '../config/storage-rules.js';
import type { StoragePolicy, StorageVolume, VolumeFilesystem } from '../config/schema.js';

export interface PlannedCreate {
  readonly lv: WorkLv;
  readonly filesystem: VolumeFilesystem | undefined;
  readonly mountpoint: string | undefined;
}

export interface PlanContext {
  readonly extentBytes: number;
  readonly vgName: string;
  /** VG max_lv (0 = unlimited). */
  readonly maxLv: number;
  readonly now: Date;
  readonly host: string;
}

/** The LV holding the highest allocated PE, if any. */
export function lastLvOnPv(lvs: readonly WorkLv[]): WorkLv | undefined {
  let best: WorkLv | undefined;
  let bestEnd = -1;
  for (const l of lvs) {
    for (const s of l.segs) {
      if (s.pe + s.extentCount > bestEnd) {
        bestEnd = s.pe + s.extentCount;
        best = l;
      }
    }
  }
  return best;
}

const cfg = (path: string, msg: string): FlashError => new FlashError('E_CONFIG_INVALID', `${path}: ${msg}`, { phase: 'grow' });

interface Target {
  readonly vol: StorageVolume;
  readonly path: string;
  readonly lv: WorkLv;
  readonly create: PlannedCreate | undefined;
}

/** Mutates `lvs`' working segments and `runs`; returns the LVs to create. */
export function planPolicy(lvs: WorkLv[], runs: PeRun[], policy: StoragePolicy | undefined, ctx: PlanContext): PlannedCreate[] {
  if (policy === undefined) {
    const last = lastLvOnPv(lvs);
    if (last !== undefined) allocateExtents(last, runs, freeCount(runs));
    return [];
  }
  const creates: PlannedCreate[] = [];
  const targets: Target[] = policy.volumes.map((vol, i) => {
    const path = `storage.volumes[${i}]`;
    const existing = lvs.find((l) => l.name === vol.name);
    if (existing !== undefined) return { vol, path, lv: existing, create: undefined };
    if (vol.create !== true) throw cfg(`${path}.name`, `no logical volume "${vol.name}" in VG ${ctx.vgName} (set create: true to add it)`);
    if (ctx.maxLv > 0 && lvs.length + creates.length + 1 > ctx.maxLv) throw cfg(path, `VG ${ctx.vgName} allows at most ${ctx.maxLv} LVs`);
    const lv: WorkLv = { name: vol.name, node: newLvNode(vol.name, ctx.now, ctx.host), segs: [], created: true, extentsBefore: 0 };
    const create: PlannedCreate = { lv, filesystem: vol.filesystem, mountpoint: vol.mountpoint };
    creates.push(create);
    return { vol, path, lv, create };
  });

  // Work out every amount first, so a policy that does not fit is refused as a whole.
  const amounts = new Map<Target, number>();
  const free = freeCount(runs);
  let absNeed = 0;
  for (const t of targets) {
    const size = parseSize(t.vol.size);
    if (size === undefined) throw cfg(`${t.path}.size`, `"${t.vol.size}" is not a size`);
    if (size.kind !== 'bytes') continue;
    const want = Math.ceil(size.bytes / ctx.extentBytes);
    const have = lvExtents(t.lv);
    if (want < have) {
      throw cfg(`${t.path}.size`, `${t.vol.size} is smaller than LV ${t.vol.name}'s current ${humanBytes(have * ctx.extentBytes)}; volumes are never shrunk`);
    }
    amounts.set(t, want - have);
    absNeed += want - have;
  }
  if (absNeed > free) {
    throw new FlashError('E_GROW', `not enough space in VG ${ctx.vgName}: the storage sizes need ${humanBytes(absNeed * ctx.extentBytes)} more, only ${humanBytes(free * ctx.extentBytes)} is free`, { phase: 'grow' });
  }
  const base = free - absNeed;
  let pctTotal = 0;
  const pctTargets: Target[] = [];
  for (const t of targets) {
    const size = parseSize(t.vol.size);
    if (size?.kind !== 'percentFree') continue;
    const prod = size.percent * base;
    const n = t.create === undefined ? Math.ceil(prod / 100) : Math.floor(prod / 100);
    amounts.set(t, n);
    pctTotal += n;
    pctTargets.push(t);
  }
  for (let i = pctTargets.length - 1; i >= 0 && pctTotal > base; i--) {
    const t = pctTargets[i];
    if (t === undefined) continue;
    const n = amounts.get(t) ?? 0;
    const give = Math.min(n, pctTotal - base);
    amounts.set(t, n - give);
    pctTotal -= give;
  }
  for (const t of targets) {
    if (t.create !== undefined && (amounts.get(t) ?? 0) === 0) {
      throw new FlashError('E_GROW', `${t.path}: not enough free space to create LV ${t.vol.name} (${t.vol.size} of ${humanBytes(base * ctx.extentBytes)} free is less than one extent)`, { phase: 'grow' });
    }
  }
  // Allocate: absolute sizes in list order, then the shares, in list order.
  for (const pass of ['bytes', 'percentFree'] as const) {
    for (const t of targets) {
      if (parseSize(t.vol.size)?.kind !== pass) continue;
      const n = amounts.get(t) ?? 0;
      allocateExtents(t.lv, runs, n);
    }
  }
  return creates;
}
