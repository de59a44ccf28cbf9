/**
 * Typed view of a VG's text metadata, and the checks that decide whether we may edit it.
 *
 * The config tree stays the source of truth (unknown keys survive untouched); this module reads
 * the fields the grow algorithm needs and refuses, with a reason, every VG it does not fully
 * understand: several PVs, non-linear segments (thin, raid, mirror, snapshot, cache, vdo ...),
 * another VG name, an unknown format/version, inconsistent extents.
 */
import { FlashError } from '../../flasher/errors.js';
import { findSection, findValue, parseConfigText, type ConfigNode, type ConfigSection, type ConfigValue } from './config-text.js';

export interface PvModel {
  /** Section name inside physical_volumes (pv0). */
  readonly key: string;
  readonly id: string;
  readonly devSize: number | undefined;
  readonly peStart: number;
  readonly peCount: number;
  readonly node: ConfigSection;
}

export interface SegmentModel {
  readonly startExtent: number;
  readonly extentCount: number;
  /** First PE of the (single) stripe on the PV. */
  readonly pe: number;
  readonly node: ConfigSection;
}

export interface LvModel {
  readonly name: string;
  readonly id: string;
  /** Sorted by startExtent, tiling [0, extents). */
  readonly segments: readonly SegmentModel[];
  readonly extents: number;
  readonly node: ConfigSection;
}

export interface VgModel {
  readonly name: string;
  readonly id: string;
  readonly seqno: number;
  /** Sectors. */
  readonly extentSize: number;
  readonly pv: PvModel;
  readonly lvs: readonly LvModel[];
  /** The whole parsed text (top-level values and the VG section). */
  readonly tree: ConfigNode[];
  readonly section: ConfigSection;
}

const unsupported = (msg: string): FlashError => new FlashError('E_LVM_UNSUPPORTED', msg, { phase: 'grow' });
const corrupt = (msg: string): FlashError => new FlashError('E_LVM_CORRUPT', `LVM metadata: ${msg}`, { phase: 'grow' });

function getInt(nodes: readonly ConfigNode[], key: string, where: string, required = true): number | undefined {
  const v = findValue(nodes, key);
  if (v === undefined) {
    if (required) throw corrupt(`${where}: missing "${key}"`);
    return undefined;
  }
  if (v.kind !== 'int' || v.value < 0) throw corrupt(`${where}: "${key}" is not a non-negative integer`);
  return v.value;
}

function reqInt(nodes: readonly ConfigNode[], key: string, where: string): number {
  const v = getInt(nodes, key, where);
  if (v === undefined) throw corrupt(`${where}: missing "${key}"`);
  return v;
}

function getString(nodes: readonly ConfigNode[], key: string, where: string): string {
  const v = findValue(nodes, key);
  if (v?.kind !== 'string') throw corrupt(`${where}: "${key}" is missing or not a string`);
  return v.value;
}

export function stringArray(v: ConfigValue | undefined): string[] {
  if (v?.kind !== 'array') return [];
  return v.items.flatMap((i) => (i.kind === 'string' ? [i.value] : []));
}

/** Parse metadata text and return the typed model, or throw why we must not touch it. */
export function parseVgText(text: string, expectedVgName: string): VgModel {
  const tree = parseConfigText(text);
  const contents = findValue(tree, 'contents');
  if (contents?.kind !== 'string' || contents.value !== 'Text Format Volume Group') {
    throw unsupported('LVM metadata: "contents" is not "Text Format Volume Group"');
  }
  const version = findValue(tree, 'version');
  if (version?.kind !== 'int' || version.value !== 1) throw unsupported('LVM metadata: text format version is not 1');
  const section = tree.find((n): n is ConfigSection => n.kind === 'section');
  if (section === undefined) throw corrupt('no volume group section');
  const name = section.name;
  if (name !== expectedVgName) throw unsupported(`volume group is "${name}", expected "${expectedVgName}"`);
  const vgWhere = `VG ${name}`;
  const c = section.children;
  const fmt = findValue(c, 'format');
  if (fmt !== undefined && (fmt.kind !== 'string' || fmt.value !== 'lvm2')) throw unsupported(`${vgWhere}: format is not "lvm2"`);
  const id = getString(c, 'id', vgWhere);
  const seqno = reqInt(c, 'seqno', vgWhere);
  const extentSize = reqInt(c, 'extent_size', vgWhere);
  if (extentSize === 0) throw corrupt(`${vgWhere}: extent_size is 0`);
  const status = stringArray(findValue(c, 'status'));
  for (const need of ['READ', 'WRITE', 'RESIZEABLE']) {
    if (!status.includes(need)) throw unsupported(`${vgWhere}: status lacks ${need} (exported, read-only or not resizeable)`);
  }
  for (const bad of ['EXPORTED', 'PVMOVE', 'CLUSTERED', 'SHARED']) {
    if (status.includes(bad)) throw unsupported(`${vgWhere}: status ${bad} is not supported`);
  }
  const lockType = findValue(c, 'lock_type');
  if (lockType?.kind === 'string' && lockType.value !== '' && lockType.value !== 'none') {
    throw unsupported(`${vgWhere}: shared VG (lock_type ${lockType.value}) is not supported`);
  }

  const pvs = findSection(c, 'physical_volumes');
  if (pvs === undefined) throw corrupt(`${vgWhere}: no physical_volumes section`);
  const pvSections = pvs.children.filter((n): n is ConfigSection => n.kind === 'section');
  if (pvSections.length !== 1) throw unsupported(`${vgWhere} has ${pvSections.length} physical volumes; only a single-PV VG is supported`);
  const pvNode = pvSections[0];
  if (pvNode === undefined) throw corrupt('unreachable');
  const pvWhere = `${vgWhere} PV ${pvNode.name}`;
  const pvStatus = stringArray(findValue(pvNode.children, 'status'));
  if (pvStatus.includes('MISSING')) throw unsupported(`${pvWhere} is marked MISSING`);
  const pv: PvModel = {
    key: pvNode.name,
    id: getString(pvNode.children, 'id', pvWhere),
    devSize: getInt(pvNode.children, 'dev_size', pvWhere, false),
    peStart: reqInt(pvNode.children, 'pe_start', pvWhere),
    peCount: reqInt(pvNode.children, 'pe_count', pvWhere),
    node: pvNode,
  };
  if (pv.peCount > 0xffffffff) throw corrupt(`${pvWhere}: pe_count out of range`);

  const lvs: LvModel[] = [];
  const lvSection = findSection(c, 'logical_volumes');
  for (const lvNode of lvSection?.children ?? []) {
    if (lvNode.kind !== 'section') continue;
    lvs.push(parseLv(lvNode, pv, `${vgWhere} LV ${lvNode.name}`));
  }
  checkNoOverlap(lvs, pv, vgWhere);
  return { name, id, seqno, extentSize, pv, lvs, tree, section };
}

function parseLv(lvNode: ConfigSection, pv: PvModel, where: string): LvModel {
  const c = lvNode.children;
  const id = getString(c, 'id', where);
  const segCount = reqInt(c, 'segment_count', where);
  const segNodes = c.filter((n): n is ConfigSection => n.kind === 'section');
  if (segNodes.length !== segCount) throw corrupt(`${where}: segment_count ${segCount} but ${segNodes.length} segments`);
  const segments: SegmentModel[] = [];
  for (const s of segNodes) {
    const sw = `${where} ${s.name}`;
    const type = findValue(s.children, 'type');
    const typeName = type?.kind === 'string' ? type.value : '?';
    if (typeName !== 'striped') throw unsupported(`${where} uses segment type "${typeName}"; only linear LVs are supported`);
    const stripeCount = reqInt(s.children, 'stripe_count', sw);
    if (stripeCount !== 1) throw unsupported(`${where} is striped over ${stripeCount} stripes; only linear LVs are supported`);
    const stripes = findValue(s.children, 'stripes');
    if (stripes?.kind !== 'array' || stripes.items.length !== 2) throw corrupt(`${sw}: "stripes" must hold one "pvN", PE pair`);
    const [pvRef, peTok] = stripes.items;
    if (pvRef?.kind !== 'string' || peTok?.kind !== 'int' || peTok.value < 0) throw corrupt(`${sw}: bad "stripes" entry`);
    if (pvRef.value !== pv.key) throw corrupt(`${sw}: refers to unknown PV "${pvRef.value}"`);
    const seg: SegmentModel = { startExtent: reqInt(s.children, 'start_extent', sw), extentCount: reqInt(s.children, 'extent_count', sw), pe: peTok.value, node: s };
    if (seg.extentCount === 0) throw corrupt(`${sw}: extent_count is 0`);
    if (seg.pe + seg.extentCount > pv.peCount) throw corrupt(`${sw}: PEs ${seg.pe}..${seg.pe + seg.extentCount - 1} lie beyond pe_count ${pv.peCount}`);
    segments.push(seg);
  }
  segments.sort((a, b) => a.startExtent - b.startExtent);
  let le = 0;
  for (const s of segments) {
    if (s.startExtent !== le) throw corrupt(`${where}: segments do not tile the LV (gap or overlap at extent ${le})`);
    le += s.extentCount;
  }
  return { name: lvNode.name, id, segments, extents: le, node: lvNode };
}

function checkNoOverlap(lvs: readonly LvModel[], pv: PvModel, where: string): void {
  const owner = new Map<number, string>();
  for (const lv of lvs) {
    for (const s of lv.segments) {
      for (let pe = s.pe; pe < s.pe + s.extentCount; pe++) {
        const prev = owner.get(pe);
        if (prev !== undefined) throw corrupt(`${where}: PE ${pe} of ${pv.key} is used by both ${prev} and ${lv.name}`);
        owner.set(pe, lv.name);
      }
    }
  }
}
