/**
 * The "what is in use" map a backup reads by: regions of a disk that hold data ('used'), regions
 * whose contents nobody can vouch for ('unknown': read, and 4 KiB blocks that are all zero are
 * treated as never written), and everything else free (not read, not stored). The map is made
 * by provisioning/backup (partition table, LVM, FAT, ext4); the engine only applies it.
 */

export type RegionKind = 'used' | 'unknown';

export interface Region {
  readonly start: number;
  readonly end: number;
  readonly kind: RegionKind;
}

export interface UsageMap {
  /** How the map was made, for the user ("3os: partitions, LVM, FAT, ext4" or "zero detection"). */
  readonly method: string;
  /** True when the disk's layout was understood (a 3os disk); false: zero detection only. */
  readonly understood: boolean;
  readonly regions: readonly Region[];
  /** Notes for the user (a volume whose free space could not be told, ...). */
  readonly notes: readonly string[];
}

/**
 * Sorted, non-overlapping regions aligned out to `block` and clipped to [0, size). Where regions
 * overlap, 'used' wins over 'unknown' (a block is never dropped because one reader did not know it).
 */
export function normalizeRegions(regions: readonly Region[], size: number, block: number): Region[] {
  const edges: { at: number; kind: RegionKind; d: 1 | -1 }[] = [];
  for (const r of regions) {
    const s = Math.max(0, Math.floor(r.start / block) * block);
    const e = Math.min(size, Math.ceil(r.end / block) * block);
    if (e <= s) continue;
    edges.push({ at: s, kind: r.kind, d: 1 }, { at: e, kind: r.kind, d: -1 });
  }
  edges.sort((a, b) => a.at - b.at);
  const out: Region[] = [];
  let used = 0;
  let unknown = 0;
  let prev = 0;
  const push = (s: number, e: number, kind: RegionKind | undefined): void => {
    if (kind === undefined || e <= s) return;
    const last = out[out.length - 1];
    if (last !== undefined && last.kind === kind && last.end === s) out[out.length - 1] = { start: last.start, end: e, kind };
    else out.push({ start: s, end: e, kind });
  };
  for (const ed of edges) {
    push(prev, ed.at, used > 0 ? 'used' : unknown > 0 ? 'unknown' : undefined);
    prev = ed.at;
    if (ed.kind === 'used') used += ed.d;
    else unknown += ed.d;
  }
  return out;
}

/** Bytes the regions cover. */
export function regionBytes(regions: readonly Region[]): number {
  return regions.reduce((n, r) => n + (r.end - r.start), 0);
}
