/**
 * Offline `pvresize` + `lvextend`/`lvcreate` on the single-PV VG of a 3os data partition.
 *
 * growVolumeGroup reads and validates the PV, plans the new layout (PV size as pvresize computes
 * it, extents by the storage policy, allocated like LVM's normal policy), refuses before any
 * write if the plan cannot be served, then writes one new metadata version to every mda and
 * reads it back. The result tells the integrator which filesystems must grow.
 */
import * as os from 'node:os';
import { FlashError } from '../../flasher/errors.js';
import type { DiskIO } from '../../flasher/disk-io.js';
import { SECTOR, type PvLabel } from './label.js';
import { readPhysicalVolume, endMetadataArea, DEFAULT_VG_NAME, type PhysicalVolume } from './read-pv.js';
import { buildMetadataText } from './metadata-text.js';
import { checkTextFits, writeMetadata } from './write-metadata.js';
import { setInt } from './config-text.js';
import { applySegments, freeCount, freeRuns, lvExtents, workLv, type WorkLv } from './allocate.js';
import { planPolicy, type PlannedCreate } from './policy-plan.js';
import type { StoragePolicy, VolumeFilesystem } from '../config/schema.js';
import { addLogicalVolume } from './create-lv.js';
import { lvByteRange, type ByteRange } from './lv-range.js';
import { parseVgText, type VgModel } from './vg-model.js';

export interface GrowOptions {
  readonly policy?: StoragePolicy | undefined;
  /** Plan and report, write nothing. */
  readonly dryRun?: boolean | undefined;
  /** Expected VG name (default '3os'). */
  readonly vgName?: string | undefined;
  /** creation_time of the write and of new LVs (default: now). */
  readonly now?: Date | undefined;
  /** creation_host of the write and of new LVs (default: os.hostname()). */
  readonly hostname?: string | undefined;
}

export interface LvGrowRow {
  readonly name: string;
  readonly extentsBefore: number;
  readonly extentsAfter: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly created: boolean;
}

export interface CreatedVolume {
  readonly name: string;
  readonly sizeBytes: number;
  readonly filesystem?: VolumeFilesystem | undefined;
  readonly mountpoint?: string | undefined;
}

export interface LvmGrowResult {
  /** Something was (or, in a dry run, would be) written. */
  readonly changed: boolean;
  readonly dryRun: boolean;
  readonly vgName: string;
  readonly seqnoBefore: number;
  readonly seqnoAfter: number;
  readonly extentSizeBytes: number;
  readonly pv: {
    /** pe_count * extent size, bytes. */
    readonly sizeBefore: number;
    readonly sizeAfter: number;
    readonly peCountBefore: number;
    readonly peCountAfter: number;
    /** dev_size from the VG text, bytes (undefined if absent). */
    readonly devSizeBefore: number | undefined;
    readonly devSizeAfter: number | undefined;
    readonly freeExtentsBefore: number;
    readonly freeExtentsAfter: number;
  };
  /** Every LV, before/after. */
  readonly volumes: readonly LvGrowRow[];
  /** Existing LVs that grew: their filesystems must be grown (first-boot agent or offline). */
  readonly growFilesystems: readonly string[];
  /** LVs created by the policy, with the filesystem/mountpoint the first-boot agent should set up. */
  readonly createdVolumes: readonly CreatedVolume[];
  /** Where every LV's bytes are on the disk after the grow (from the new metadata, no re-read). */
  readonly ranges: Readonly<Record<string, readonly ByteRange[]>>;
}

const unsupported = (msg: string): FlashError => new FlashError('E_LVM_UNSUPPORTED', msg, { phase: 'grow' });

interface PvResizePlan {
  readonly newPeCount: number;
  readonly newDevSize: number;
  readonly moveTo: number | undefined;
}

/** pvresize's arithmetic (docs/disk-formats.md §2.9), or undefined when the PV does not grow. */
function planPvResize(pv: PhysicalVolume): PvResizePlan | undefined {
  const { vg } = pv;
  const D = Math.floor(pv.pvLength / SECTOR);
  const end = endMetadataArea(pv);
  const M2 = end === undefined ? 0 : end.locn.size / SECTOR;
  if (!Number.isInteger(M2)) throw unsupported('second metadata area size is not a whole number of sectors');
  const usable = D - vg.pv.peStart - M2;
  const newPeCount = Math.min(Math.floor(usable / vg.extentSize), 0xffffffff);
  const newMdaOffset = D * SECTOR - (end?.locn.size ?? 0);
  const mdaGrows = end !== undefined && newMdaOffset > end.locn.offset;
  if (newPeCount < vg.pv.peCount) throw unsupported(`the partition (${pv.pvLength} bytes) is smaller than the PV's ${vg.pv.peCount} extents`);
  if (newPeCount === vg.pv.peCount) return undefined;
  if (end !== undefined && mdaGrows && newMdaOffset < end.locn.offset + end.locn.size) {
    throw unsupported('the partition grew by less than the size of the second metadata area, which cannot then be moved safely');
  }
  return { newPeCount, newDevSize: usable, moveTo: end !== undefined && mdaGrows ? newMdaOffset : undefined };
}

/** Grow the PV to `pvLength` bytes and hand out the free extents (see module comment). */
export async function growVolumeGroup(disk: DiskIO, pvStart: number, pvLength: number, opts: GrowOptions = {}): Promise<LvmGrowResult> {
  const vgName = opts.vgName ?? DEFAULT_VG_NAME;
  const pv = await readPhysicalVolume(disk, pvStart, pvLength, vgName);
  const { vg } = pv;
  const extentBytes = vg.extentSize * SECTOR;
  const now = opts.now ?? new Date();
  const host = opts.hostname ?? os.hostname();

  const resize = planPvResize(pv);
  const peCount = resize?.newPeCount ?? vg.pv.peCount;
  const lvs: WorkLv[] = vg.lvs.map(workLv);
  const freeBefore = freeCount(freeRuns(vg.pv.peCount, lvs));
  const runs = freeRuns(peCount, lvs);
  const maxLv = vg.section.children.find((n) => n.name === 'max_lv');
  const creates: PlannedCreate[] = planPolicy(lvs, runs, opts.policy, {
    extentBytes,
    vgName,
    maxLv: maxLv?.kind === 'value' && maxLv.value.kind === 'int' ? maxLv.value.value : 0,
    now,
    host,
  });
  const allLvs = [...lvs, ...creates.map((c) => c.lv)];
  const lvChanged = allLvs.some((l) => lvExtents(l) !== l.extentsBefore);
  // Metadata areas that disagree (e.g. after a power cut mid-write) are rewritten, as LVM would.
  const changed = resize !== undefined || lvChanged || pv.inconsistent;

  const rows: LvGrowRow[] = allLvs.map((l) => ({
    name: l.name,
    extentsBefore: l.extentsBefore,
    extentsAfter: lvExtents(l),
    bytesBefore: l.extentsBefore * extentBytes,
    bytesAfter: lvExtents(l) * extentBytes,
    created: l.created,
  }));
  const devSizeBefore = vg.pv.devSize === undefined ? undefined : vg.pv.devSize * SECTOR;
  const rangesOf = (model: VgModel): Record<string, ByteRange[]> =>
    Object.fromEntries(model.lvs.map((l) => [l.name, lvByteRange({ ...pv, vg: model }, l.name)]));
  let ranges = rangesOf(vg);
  const result = (written: boolean): LvmGrowResult => ({
    changed,
    dryRun: opts.dryRun === true,
    vgName,
    seqnoBefore: vg.seqno,
    seqnoAfter: written ? vg.seqno + 1 : vg.seqno,
    extentSizeBytes: extentBytes,
    pv: {
      sizeBefore: vg.pv.peCount * extentBytes,
      sizeAfter: peCount * extentBytes,
      peCountBefore: vg.pv.peCount,
      peCountAfter: peCount,
      devSizeBefore,
      devSizeAfter: resize === undefined ? devSizeBefore : resize.newDevSize * SECTOR,
      freeExtentsBefore: freeBefore,
      freeExtentsAfter: freeCount(runs),
    },
    volumes: rows,
    growFilesystems: rows.filter((r) => !r.created && r.extentsAfter > r.extentsBefore).map((r) => r.name),
    createdVolumes: creates.map((c) => ({ name: c.lv.name, sizeBytes: lvExtents(c.lv) * extentBytes, filesystem: c.filesystem, mountpoint: c.mountpoint })),
    ranges,
  });
  if (!changed) return result(false);

  // Edit the tree: PV, LV segments, new LVs, seqno.
  if (resize !== undefined) {
    setInt(vg.pv.node, 'pe_count', resize.newPeCount);
    setInt(vg.pv.node, 'dev_size', resize.newDevSize);
  }
  for (const l of lvs) if (lvExtents(l) !== l.extentsBefore) applySegments(l, vg.pv.key);
  for (const c of creates) {
    applySegments(c.lv, vg.pv.key);
    addLogicalVolume(vg.section, c.lv.node);
  }
  setInt(vg.section, 'seqno', vg.seqno + 1);
  const text = buildMetadataText(vg.section, {
    description: `Write from 3os-flasher: grow ${vgName} to ${pvLength} bytes.`,
    creationHost: host,
    creationTime: now,
  });
  checkTextFits(pv, text);
  // The new text must parse back to a model we understand; its LV segments give the byte ranges.
  ranges = rangesOf(parseVgText(text.toString('latin1', 0, text.length - 1), vgName));
  if (opts.dryRun === true) return result(false);

  const end = endMetadataArea(pv);
  let label: PvLabel | undefined;
  if (resize !== undefined) {
    label = {
      ...pv.label,
      deviceSize: resize.newDevSize * SECTOR,
      metadataAreas: pv.label.metadataAreas.map((m) => (end !== undefined && m.offset === end.locn.offset && resize.moveTo !== undefined ? { offset: resize.moveTo, size: m.size } : m)),
    };
  }
  await writeMetadata(disk, pv, {
    text,
    label,
    ...(end !== undefined && resize?.moveTo !== undefined ? { move: { mda: end, newOffset: resize.moveTo } } : {}),
  });

  const check = await readPhysicalVolume(disk, pvStart, pvLength, vgName);
  const expected = text.toString('latin1', 0, text.length - 1);
  if (check.vg.seqno !== vg.seqno + 1 || check.text !== expected || check.inconsistent) {
    throw new FlashError('E_GROW', `LVM metadata read back after writing does not match what was written (seqno ${check.vg.seqno})`, { phase: 'grow' });
  }
  return result(true);
}
