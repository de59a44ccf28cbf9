/**
 * Extent allocation the way LVM's "normal" policy does it for a linear LV (docs/disk-formats.md §2.10).
 *
 * lvextend first grows the last segment into the free run right after it, then takes the other
 * free runs largest first (ties in PE order), each as a new segment; lvcreate has no previous
 * segment and goes straight to largest first. Checked on the machine against lvextend/lvcreate.
 */
import { intNode, setInt, stringNode, type ConfigSection } from './config-text.js';
import type { LvModel } from './vg-model.js';

export interface PeRun {
  pe: number;
  count: number;
}

export interface WorkSegment {
  startExtent: number;
  extentCount: number;
  pe: number;
  /** The existing segment section, if this segment was already on disk. */
  readonly node?: ConfigSection;
}

export interface WorkLv {
  readonly name: string;
  readonly node: ConfigSection;
  segs: WorkSegment[];
  readonly created: boolean;
  readonly extentsBefore: number;
}

export function workLv(lv: LvModel): WorkLv {
  return {
    name: lv.name,
    node: lv.node,
    segs: lv.segments.map((s) => ({ startExtent: s.startExtent, extentCount: s.extentCount, pe: s.pe, node: s.node })),
    created: false,
    extentsBefore: lv.extents,
  };
}

export function lvExtents(lv: WorkLv): number {
  return lv.segs.reduce((a, s) => a + s.extentCount, 0);
}

/** Free PE runs on a PV of `peCount` extents, ascending by PE. */
export function freeRuns(peCount: number, lvs: readonly WorkLv[]): PeRun[] {
  const used = lvs.flatMap((l) => l.segs.map((s) => ({ pe: s.pe, end: s.pe + s.extentCount }))).sort((a, b) => a.pe - b.pe);
  const runs: PeRun[] = [];
  let cur = 0;
  for (const u of used) {
    if (u.pe > cur) runs.push({ pe: cur, count: u.pe - cur });
    cur = Math.max(cur, u.end);
  }
  if (peCount > cur) runs.push({ pe: cur, count: peCount - cur });
  return runs;
}

export function freeCount(runs: readonly PeRun[]): number {
  return runs.reduce((a, r) => a + r.count, 0);
}

/** Take `n` extents out of `runs` (mutated) for `lv`, appending/growing its segments like LVM. */
export function allocateExtents(lv: WorkLv, runs: PeRun[], n: number): void {
  if (n <= 0) return;
  if (n > freeCount(runs)) throw new Error(`allocateExtents: ${n} extents requested, ${freeCount(runs)} free`);
  const last = lv.segs[lv.segs.length - 1];
  if (last !== undefined) {
    const end = last.pe + last.extentCount;
    const adj = runs.find((r) => r.pe === end && r.count > 0);
    if (adj !== undefined) {
      const take = Math.min(n, adj.count);
      last.extentCount += take;
      adj.pe += take;
      adj.count -= take;
      n -= take;
    }
  }
  while (n > 0) {
    let best: PeRun | undefined;
    for (const r of runs) if (r.count > 0 && (best === undefined || r.count > best.count)) best = r;
    if (best === undefined) throw new Error('allocateExtents: ran out of free runs');
    const take = Math.min(n, best.count);
    const tail = lv.segs[lv.segs.length - 1];
    if (tail !== undefined && tail.pe + tail.extentCount === best.pe) {
      tail.extentCount += take; // adjacent in LE and PE space: LVM merges such segments
    } else {
      lv.segs.push({ startExtent: lvExtents(lv), extentCount: take, pe: best.pe });
    }
    best.pe += take;
    best.count -= take;
    n -= take;
  }
}

function newSegmentNode(name: string, s: WorkSegment, pvKey: string, first: boolean): ConfigSection {
  return {
    kind: 'section',
    name,
    // LVM's exporter puts an empty line before the first segment only.
    blankBefore: first,
    blankBeforeClose: false,
    children: [
      intNode('start_extent', s.startExtent),
      intNode('extent_count', s.extentCount),
      stringNode('type', 'striped', true),
      intNode('stripe_count', 1),
      {
        kind: 'value',
        name: 'stripes',
        blankBefore: true,
        value: { kind: 'array', items: [{ kind: 'string', value: pvKey }, { kind: 'int', value: s.pe }], breaks: [true, false], breakBeforeClose: true },
      },
    ],
  };
}

/** Write the working segments back into the LV's section (segments last, named segment1..N). */
export function applySegments(lv: WorkLv, pvKey: string): void {
  const others = lv.node.children.filter((c) => c.kind !== 'section');
  const segNodes = lv.segs.map((s, i) => {
    const name = `segment${i + 1}`;
    if (s.node === undefined) return newSegmentNode(name, s, pvKey, i === 0);
    s.node.name = name;
    setInt(s.node, 'start_extent', s.startExtent);
    setInt(s.node, 'extent_count', s.extentCount);
    return s.node;
  });
  lv.node.children = [...others, ...segNodes];
  setInt(lv.node, 'segment_count', segNodes.length);
}
