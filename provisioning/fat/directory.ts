/**
 * A FAT directory: loading, scanning (long names joined to their short entries), lookup, free-slot
 * planning, growth and sector-wise write-back.
 *
 * A directory is either the fixed root region of FAT12/16 (which cannot grow) or a cluster chain
 * (subdirectories, and the FAT32 root). It is read whole into memory (at most 65536 entries,
 * 2 MiB, as the spec allows); changes are made to that copy and written back as whole sectors,
 * in ascending order, so the long-name entries of a new file reach the disk before its short entry.
 */
import { FlashError } from '../../flasher/errors.js';
import type { FatGeometry } from './bpb.js';
import {
  ATTR_DIRECTORY,
  ATTR_VOLUME_ID,
  ENTRY_END,
  ENTRY_FREE,
  ENTRY_SIZE,
  entryCluster,
  fromFatStamp,
} from './dir-entry.js';
import type { FatTable } from './fat-table.js';
import { ATTR_LFN, LfnCollector } from './lfn.js';
import { foldName, formatShortName } from './short-name.js';
import type { VolumeIO } from './volume-io.js';
import { decodeLabel } from './bpb.js';

/** The spec's limit on the entries of one directory. */
export const MAX_DIR_ENTRIES = 65536;

export interface FsCtx {
  readonly io: VolumeIO;
  readonly geo: FatGeometry;
  readonly fat: FatTable;
}

/** Byte offset (in the volume) of a data cluster. */
export function clusterOffset(geo: FatGeometry, cluster: number): number {
  return geo.dataOffset + (cluster - 2) * geo.clusterSize;
}

export interface DirItem {
  /** Long name if there is one, else the short name as shown (case flags applied). */
  readonly name: string;
  readonly shortName: string;
  readonly shortRaw: Buffer;
  readonly attr: number;
  readonly cluster: number;
  readonly size: number;
  readonly modified: Date;
  /** Slot of the short entry. */
  readonly index: number;
  /** Slot of the first entry of this item (its first LFN entry, or the short entry). */
  readonly startIndex: number;
  readonly isDirectory: boolean;
}

export interface DirScan {
  readonly items: DirItem[];
  /** Slot of the end marker (0x00), or the slot count when there is none. */
  readonly end: number;
  /** Volume label entry text (root only), if present. */
  readonly label: string | undefined;
}

export class Directory {
  private constructor(
    private readonly ctx: FsCtx,
    /** First cluster; 0 for the root directory. */
    public readonly first: number,
    private buf: Buffer,
    /** The cluster chain, or undefined for the fixed FAT12/16 root region. */
    private readonly clusters: number[] | undefined,
  ) {}

  public static async load(ctx: FsCtx, first: number): Promise<Directory> {
    const { geo, io, fat } = ctx;
    if (first === 0 && geo.type !== 'FAT32') {
      return new Directory(ctx, 0, await io.read(geo.rootDirOffset, geo.rootDirBytes), undefined);
    }
    const start = first === 0 ? geo.rootCluster : first;
    const clusters = fat.chain(start);
    if (clusters.length * geo.clusterSize > MAX_DIR_ENTRIES * ENTRY_SIZE) {
      throw new FlashError('E_FAT', `corrupt FAT: directory at cluster ${start} is longer than 65536 entries`);
    }
    const parts: Buffer[] = [];
    for (const run of runs(clusters)) {
      parts.push(await io.read(clusterOffset(geo, run.start), run.count * geo.clusterSize));
    }
    return new Directory(ctx, first, Buffer.concat(parts), clusters);
  }

  /** The first cluster a ".." entry in a child must name (0 for the root, even on FAT32). */
  public get dotDotCluster(): number {
    return this.first;
  }

  public get slotCount(): number {
    return this.buf.length / ENTRY_SIZE;
  }

  public slot(i: number): Buffer {
    return this.buf.subarray(i * ENTRY_SIZE, (i + 1) * ENTRY_SIZE);
  }

  public scan(): DirScan {
    const fat32 = this.ctx.geo.type === 'FAT32';
    const items: DirItem[] = [];
    const lfn = new LfnCollector();
    let label: string | undefined;
    const n = this.slotCount;
    for (let i = 0; i < n; i++) {
      const e = this.slot(i);
      const b0 = e[0] ?? 0;
      if (b0 === ENTRY_END) return { items, end: i, label };
      if (b0 === ENTRY_FREE) {
        lfn.reset();
        continue;
      }
      const attr = e[11] ?? 0;
      if ((attr & 0x3f) === ATTR_LFN) {
        lfn.add(e, i);
        continue;
      }
      const raw = Buffer.from(e.subarray(0, 11));
      const long = lfn.finish(raw);
      if ((attr & (ATTR_VOLUME_ID | ATTR_DIRECTORY)) === ATTR_VOLUME_ID) {
        if (this.first === 0) label ??= decodeLabel(raw);
        continue;
      }
      if (b0 === 0x2e) continue; // "." and ".."
      const shortName = formatShortName(raw, e[12] ?? 0);
      items.push({
        name: long?.name ?? shortName,
        shortName,
        shortRaw: raw,
        attr,
        cluster: entryCluster(e, fat32),
        size: e.readUInt32LE(28),
        modified: fromFatStamp(e.readUInt16LE(24), e.readUInt16LE(22)),
        index: i,
        startIndex: long?.startIndex ?? i,
        isDirectory: (attr & ATTR_DIRECTORY) !== 0,
      });
    }
    return { items, end: n, label };
  }

  /** Case-insensitive lookup by long or short name. */
  public find(name: string, scan: DirScan = this.scan()): DirItem | undefined {
    const key = foldName(name);
    return scan.items.find((it) => foldName(it.name) === key) ?? scan.items.find((it) => foldName(it.shortName) === key);
  }

  /** Every 11-byte short name in use (as latin1 strings), for numeric-tail uniqueness. */
  public takenShortNames(scan: DirScan = this.scan()): Set<string> {
    const out = new Set<string>();
    for (const it of scan.items) out.add(it.shortRaw.toString('latin1'));
    out.add('.          ');
    out.add('..         ');
    return out;
  }

  /**
   * Where `count` consecutive entries can go: the first slot, and how many clusters the
   * directory must grow by first. A full fixed root directory is an E_FAT_FULL error.
   */
  public planSlots(count: number, scan: DirScan = this.scan()): { index: number; growClusters: number } {
    const n = this.slotCount;
    const isFree = (i: number): boolean => i >= scan.end || this.slot(i)[0] === ENTRY_FREE;
    let runStart = -1;
    for (let i = 0; i < n; i++) {
      if (!isFree(i)) {
        runStart = -1;
        continue;
      }
      if (runStart < 0) runStart = i;
      if (i - runStart + 1 >= count) return { index: runStart, growClusters: 0 };
    }
    if (this.clusters === undefined) {
      throw new FlashError(
        'E_FAT_FULL',
        `the root directory is full (${n} entries, a ${this.ctx.geo.type} root cannot grow): put the file in a subdirectory`,
      );
    }
    const index = runStart < 0 ? n : runStart;
    const missing = index + count - n;
    const growClusters = Math.ceil((missing * ENTRY_SIZE) / this.ctx.geo.clusterSize);
    if (n + (growClusters * this.ctx.geo.clusterSize) / ENTRY_SIZE > MAX_DIR_ENTRIES) {
      throw new FlashError('E_FAT_FULL', `directory is full (FAT allows ${MAX_DIR_ENTRIES} entries per directory)`);
    }
    return { index, growClusters };
  }

  /**
   * Add `count` zeroed clusters to the chain: zeros are written to disk now, the FAT change is
   * made in memory (the caller flushes the FAT before writing entries into the new space).
   */
  public async grow(count: number): Promise<void> {
    if (count === 0) return;
    if (this.clusters === undefined) throw new Error('bug: grow on a fixed root directory');
    const { fat, geo, io } = this.ctx;
    const added = fat.allocate(count);
    const zero = Buffer.alloc(geo.clusterSize);
    for (const c of added) await io.write(clusterOffset(geo, c), zero);
    const last = this.clusters[this.clusters.length - 1];
    const firstNew = added[0];
    if (last === undefined || firstNew === undefined) throw new Error('bug: empty directory chain');
    fat.set(last, firstNew);
    this.clusters.push(...added);
    this.buf = Buffer.concat([this.buf, Buffer.alloc(count * geo.clusterSize)]);
  }

  /** Put entries at `index` (in memory), keeping an end marker after them if they sit past it. */
  public place(index: number, entries: readonly Buffer[], end: number): { from: number; to: number } {
    entries.forEach((e, k) => e.copy(this.buf, (index + k) * ENTRY_SIZE));
    let to = index + entries.length;
    if (to > end && to < this.slotCount && this.slot(to)[0] !== ENTRY_END) {
      this.slot(to).fill(0);
      to++;
    }
    return { from: index, to };
  }

  /** Volume byte offset of byte `pos` of the directory. */
  private byteOffset(pos: number): number {
    const { geo } = this.ctx;
    if (this.clusters === undefined) return geo.rootDirOffset + pos;
    const c = this.clusters[Math.floor(pos / geo.clusterSize)];
    if (c === undefined) throw new Error('bug: directory offset past its chain');
    return clusterOffset(geo, c) + (pos % geo.clusterSize);
  }

  /** Write the sectors holding slots [from, to) to disk, in ascending order. */
  public async writeSlots(from: number, to: number): Promise<void> {
    if (to <= from) return;
    const bps = this.ctx.geo.bytesPerSector;
    const s0 = Math.floor((from * ENTRY_SIZE) / bps);
    const s1 = Math.floor((to * ENTRY_SIZE - 1) / bps);
    for (let s = s0; s <= s1; s++) {
      await this.ctx.io.write(this.byteOffset(s * bps), this.buf.subarray(s * bps, (s + 1) * bps));
    }
  }
}

/** Group a cluster list into runs of consecutive clusters. */
export function runs(clusters: readonly number[]): { start: number; count: number }[] {
  const out: { start: number; count: number }[] = [];
  for (const c of clusters) {
    const last = out[out.length - 1];
    if (last !== undefined && last.start + last.count === c) last.count++;
    else out.push({ start: c, count: 1 });
  }
  return out;
}
