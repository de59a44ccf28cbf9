/**
 * The "what is in use" map of a disk for a backup (flasher/backup/usage.ts), from its own
 * structures read without mounting: the partition table (gaps between partitions are free on a
 * 3os disk; on any other disk they are read and zero-detected, since boot loaders may live
 * there), the LVM PV of 3os-data (free extents are free; each LV judged by what it holds), FAT
 * volumes (free clusters are free) and ext2/3/4 (free blocks by its bitmaps). Anything not
 * understood is 'unknown': read whole, blocks of zeros treated as never written.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError, isFlashError } from '../../flasher/errors.js';
import type { Region, UsageMap } from '../../flasher/backup/usage.js';
import { endMetadataArea, readPhysicalVolume } from '../lvm/read-pv.js';
import { SECTOR } from '../lvm/label.js';
import { find3osPartitions, readPartitionTable, type PartitionTable } from '../partition/index.js';
import { ext4Usage, isExt4 } from './ext4-usage.js';
import { fatUsage } from './fat-usage.js';

const MiB = 1024 * 1024;

/** A piece of a volume: `length` bytes at volume offset `logical` live at disk offset `physical`. */
interface Extent {
  readonly logical: number;
  readonly physical: number;
  readonly length: number;
}

/** A read-only DiskIO over a volume made of extents of another disk (a partition, an LV). */
class VolumeView implements DiskIO {
  public readonly size: number;
  public readonly sectorSize: number;

  public constructor(
    private readonly disk: DiskIO,
    private readonly extents: readonly Extent[],
    public readonly path: string,
  ) {
    this.size = extents.reduce((n, e) => n + e.length, 0);
    this.sectorSize = disk.sectorSize;
  }

  public async read(offset: number, length: number): Promise<Buffer> {
    const out = Buffer.alloc(length);
    let done = 0;
    for (const e of this.extents) {
      if (done >= length) break;
      const at = offset + done;
      if (at < e.logical || at >= e.logical + e.length) continue;
      const n = Math.min(length - done, e.logical + e.length - at);
      (await this.disk.read(e.physical + (at - e.logical), n)).copy(out, done);
      done += n;
    }
    if (done < length) throw new FlashError('E_TRUNCATED', `${this.path}: read past the end at byte ${offset + done}`, { target: this.path, offset: offset + done });
    return out;
  }

  public write(): Promise<void> {
    return Promise.reject(new Error('bug: the backup usage map never writes'));
  }

  public async flush(): Promise<void> {}
  public async close(): Promise<void> {}
}

/** Volume-relative ranges to disk regions through the volume's extents. */
function toDisk(extents: readonly Extent[], ranges: readonly { start: number; end: number }[], kind: Region['kind']): Region[] {
  const out: Region[] = [];
  for (const r of ranges) {
    for (const e of extents) {
      const s = Math.max(r.start, e.logical);
      const t = Math.min(r.end, e.logical + e.length);
      if (t > s) out.push({ start: e.physical + (s - e.logical), end: e.physical + (t - e.logical), kind });
    }
  }
  return out;
}

interface Judged {
  readonly regions: Region[];
  readonly what: string;
  readonly notes: string[];
}

/** What a volume holds and which of it is in use. */
async function judgeVolume(disk: DiskIO, extents: readonly Extent[], name: string): Promise<Judged> {
  const view = new VolumeView(disk, extents, name);
  const whole = [{ start: 0, end: view.size }];
  if (await isExt4(view, 0, view.size)) {
    const u = await ext4Usage(view, 0, view.size);
    if ('skipped' in u) return { regions: toDisk(extents, whole, 'unknown'), what: 'ext4 (read whole)', notes: [`${name}: ext4 read whole: ${u.skipped}`] };
    return { regions: toDisk(extents, u.used, 'used'), what: 'ext4', notes: [] };
  }
  const fat = await fatUsage(view, 0, view.size).catch(() => undefined);
  if (fat !== undefined) return { regions: toDisk(extents, fat, 'used'), what: 'FAT', notes: [] };
  return { regions: toDisk(extents, whole, 'unknown'), what: 'unknown', notes: [] };
}

/** The 3os data partition's PV: metadata used, free extents free, each LV judged alone. */
async function judgePv(disk: DiskIO, start: number, size: number): Promise<Judged | undefined> {
  let pv;
  try {
    pv = await readPhysicalVolume(disk, start, size);
  } catch (e) {
    if (isFlashError(e) && (e.code === 'E_LVM_CORRUPT' || e.code === 'E_LVM_UNSUPPORTED' || e.code === 'E_GROW')) return undefined;
    throw e;
  }
  const pe0 = pv.vg.pv.peStart * SECTOR;
  const ext = pv.vg.extentSize * SECTOR;
  const regions: Region[] = [{ start, end: start + pe0, kind: 'used' }];
  const mda2 = endMetadataArea(pv);
  if (mda2 !== undefined) regions.push({ start: start + mda2.locn.offset, end: start + mda2.locn.offset + mda2.locn.size, kind: 'used' });
  const notes: string[] = [];
  const kinds: string[] = [];
  for (const lv of pv.vg.lvs) {
    const extents: Extent[] = lv.segments.map((s) => ({ logical: s.startExtent * ext, physical: start + pe0 + s.pe * ext, length: s.extentCount * ext }));
    const j = await judgeVolume(disk, extents, `LV ${pv.vg.name}/${lv.name}`);
    regions.push(...j.regions);
    notes.push(...j.notes);
    kinds.push(`${lv.name}: ${j.what}`);
  }
  return { regions, what: `LVM (${kinds.join(', ')}; free extents skipped)`, notes };
}

function tableHeadAndTail(table: PartitionTable, size: number): Region[] {
  const parts = [...table.partitions].filter((p) => !('placement' in p) || p.placement !== 'extended').sort((a, b) => a.start - b.start);
  const first = parts[0]?.start ?? size;
  const out: Region[] = [{ start: 0, end: Math.max(first, SECTOR), kind: 'unknown' }];
  // The backup GPT (and anything a tool keeps at the end): the last MiB outside partitions.
  const lastEnd = parts.reduce((m, p) => Math.max(m, p.start + p.size), 0);
  const tail = Math.max(lastEnd, size - MiB);
  if (tail < size) out.push({ start: tail, end: size, kind: 'unknown' });
  if (table.kind === 'mbr') {
    for (const p of table.partitions) if (p.recordLba > 0) out.push({ start: p.recordLba * table.sectorSize, end: (p.recordLba + 1) * table.sectorSize, kind: 'used' });
  }
  return out;
}

/** Gaps between partitions (not the head or tail). */
function gaps(table: PartitionTable): Region[] {
  const parts = [...table.partitions].filter((p) => !('placement' in p) || p.placement !== 'extended').sort((a, b) => a.start - b.start);
  const out: Region[] = [];
  for (let i = 1; i < parts.length; i++) {
    const prev = parts[i - 1];
    const cur = parts[i];
    if (prev === undefined || cur === undefined) continue;
    const s = prev.start + prev.size;
    if (cur.start > s) out.push({ start: s, end: cur.start, kind: 'unknown' });
  }
  return out;
}

/**
 * The usage map of a disk. Throws only for a failing read (the caller then stops); a disk whose
 * table cannot be read gets the zero-detection map with the reason.
 */
export async function diskUsage(disk: DiskIO): Promise<UsageMap> {
  let table: PartitionTable;
  try {
    table = await readPartitionTable(disk);
  } catch (e) {
    if (!isFlashError(e) || e.code === 'E_SOURCE_IO' || e.code === 'E_UNPLUGGED') throw e;
    return {
      method: `zero detection (no partition table the flasher reads: ${e.message}; every block is read, blocks of zeros are not stored)`,
      understood: false,
      regions: [{ start: 0, end: disk.size, kind: 'unknown' }],
      notes: [],
    };
  }
  const layout = find3osPartitions(table);
  const is3os = layout.config !== undefined && layout.data !== undefined;
  const regions: Region[] = [...tableHeadAndTail(table, disk.size)];
  if (!is3os) regions.push(...gaps(table));
  const notes: string[] = [];
  const what: string[] = [];
  for (const p of table.partitions) {
    if ('placement' in p && p.placement === 'extended') continue;
    const label = p.name ?? `partition ${p.index}`;
    const end = Math.min(p.start + p.size, disk.size);
    if (is3os && layout.data?.index === p.index) {
      const j = await judgePv(disk, p.start, end - p.start);
      if (j !== undefined) {
        regions.push(...j.regions);
        notes.push(...j.notes);
        what.push(`${label}: ${j.what}`);
        continue;
      }
      notes.push(`${label}: its LVM could not be read: read whole`);
    }
    const j = await judgeVolume(disk, [{ logical: 0, physical: p.start, length: end - p.start }], label);
    regions.push(...j.regions);
    notes.push(...j.notes);
    what.push(`${label}: ${j.what}`);
  }
  const base = is3os ? '3os disk: partition gaps skipped' : `${table.kind.toUpperCase()} disk (not 3os): gaps zero-detected`;
  const unknownAll = !is3os && what.every((w) => w.endsWith(': unknown'));
  return {
    method: unknownAll ? `zero detection (not a 3os disk, and no file system the flasher reads on it)` : `${base}; ${what.join('; ')}; unknown contents zero-detected`,
    understood: is3os,
    regions,
    notes,
  };
}
