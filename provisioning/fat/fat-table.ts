/**
 * The file allocation table, held in memory and written back sector by sector to every copy.
 *
 * The whole first FAT copy is loaded once (a 64 MiB config partition has a FAT of at most a few
 * hundred KiB). Reads and changes happen on that buffer; `flush` writes only the sectors that
 * changed, to each FAT copy in turn, so all copies stay identical. FAT12 entries are 12-bit
 * values packed two into three bytes (and may straddle a sector boundary); FAT32 entries keep
 * their top 4 reserved bits when written. Chains are followed with range and loop checks: a
 * corrupt table gives a FlashError E_FAT, never a crash or an endless loop.
 */
import { FlashError } from '../../flasher/errors.js';
import { fatEntryBits, type FatGeometry, type FatType } from './bpb.js';
import type { VolumeIO } from './volume-io.js';

/** Value ranges of FAT entries per type. */
export interface FatLimits {
  /** Values >= this mark the end of a chain. */
  readonly eocMin: number;
  /** The end-of-chain value we write. */
  readonly eoc: number;
  readonly bad: number;
}

export function fatLimits(type: FatType): FatLimits {
  switch (type) {
    case 'FAT12':
      return { eocMin: 0xff8, eoc: 0xfff, bad: 0xff7 };
    case 'FAT16':
      return { eocMin: 0xfff8, eoc: 0xffff, bad: 0xfff7 };
    case 'FAT32':
      return { eocMin: 0x0ffffff8, eoc: 0x0fffffff, bad: 0x0ffffff7 };
  }
}

/** Read FAT12 entry `n` from a packed table. */
export function getFat12(buf: Uint8Array, n: number): number {
  const off = n + (n >> 1);
  const w = (buf[off] ?? 0) | ((buf[off + 1] ?? 0) << 8);
  return n & 1 ? w >> 4 : w & 0xfff;
}

/** Write FAT12 entry `n` into a packed table, leaving the neighbouring entry's nibble alone. */
export function setFat12(buf: Uint8Array, n: number, value: number): void {
  const off = n + (n >> 1);
  const v = value & 0xfff;
  if (n & 1) {
    buf[off] = ((buf[off] ?? 0) & 0x0f) | ((v & 0x0f) << 4);
    buf[off + 1] = v >> 4;
  } else {
    buf[off] = v & 0xff;
    buf[off + 1] = ((buf[off + 1] ?? 0) & 0xf0) | (v >> 8);
  }
}

/** Entry 1's "volume was cleanly unmounted" bit (FAT16 bit 15, FAT32 bit 27; spec section 4). */
export const FAT16_CLEAN_SHUTDOWN = 0x8000;
export const FAT32_CLEAN_SHUTDOWN = 0x08000000;

export class FatTable {
  public readonly limits: FatLimits;
  private readonly dirty = new Set<number>();
  private free: number;
  /** Where the next search for a free cluster starts. */
  private hint = 2;

  private constructor(
    private readonly geo: FatGeometry,
    private buf: Buffer,
  ) {
    this.limits = fatLimits(geo.type);
    this.free = this.countFree();
  }

  public static async load(io: VolumeIO, geo: FatGeometry): Promise<FatTable> {
    const buf = await io.read(geo.fatOffset, geo.fatBytes);
    return new FatTable(geo, buf);
  }

  /** Highest valid cluster number. */
  public get maxCluster(): number {
    return this.geo.clusterCount + 1;
  }

  public get freeClusters(): number {
    return this.free;
  }

  public get nextFreeHint(): number {
    return this.hint;
  }

  public setHint(cluster: number): void {
    if (cluster >= 2 && cluster <= this.maxCluster) this.hint = cluster;
  }

  public get(n: number): number {
    switch (this.geo.type) {
      case 'FAT12':
        return getFat12(this.buf, n);
      case 'FAT16':
        return this.buf.readUInt16LE(n * 2);
      case 'FAT32':
        return this.buf.readUInt32LE(n * 4) & 0x0fffffff;
    }
  }

  public set(n: number, value: number): void {
    if (n < 2 || n > this.maxCluster) throw new Error(`bug: FAT entry ${n} out of range`);
    const wasFree = this.get(n) === 0;
    let first: number;
    let last: number;
    switch (this.geo.type) {
      case 'FAT12':
        setFat12(this.buf, n, value);
        first = n + (n >> 1);
        last = first + 1;
        break;
      case 'FAT16':
        this.buf.writeUInt16LE(value & 0xffff, n * 2);
        first = n * 2;
        last = first + 1;
        break;
      case 'FAT32': {
        const keep = this.buf.readUInt32LE(n * 4) & 0xf0000000;
        this.buf.writeUInt32LE((keep | (value & 0x0fffffff)) >>> 0, n * 4);
        first = n * 4;
        last = first + 3;
        break;
      }
    }
    this.dirty.add(Math.floor(first / this.geo.bytesPerSector));
    this.dirty.add(Math.floor(last / this.geo.bytesPerSector));
    const isFree = value === 0;
    if (wasFree && !isFree) this.free--;
    if (!wasFree && isFree) this.free++;
  }

  /** Bytes of the table that hold entries 0 .. clusterCount + 1 (what fsck.fat compares between copies). */
  public get usedBytes(): number {
    return Math.ceil(((this.geo.clusterCount + 2) * fatEntryBits(this.geo.type)) / 8);
  }

  /** First byte (of `usedBytes`) where another copy of the table differs from this one, or -1. */
  public firstDifference(copy: Buffer): number {
    const n = this.usedBytes;
    if (copy.length < n) return Math.min(copy.length, n);
    if (this.buf.subarray(0, n).equals(copy.subarray(0, n))) return -1;
    for (let i = 0; i < n; i++) if (this.buf[i] !== copy[i]) return i;
    return -1;
  }

  /** The FAT16/FAT32 "clean shutdown" bit of entry 1 (FAT12 has none: always true). */
  public get cleanShutdown(): boolean {
    if (this.geo.type === 'FAT16') return (this.buf.readUInt16LE(2) & FAT16_CLEAN_SHUTDOWN) !== 0;
    if (this.geo.type === 'FAT32') return (this.buf.readUInt32LE(4) & FAT32_CLEAN_SHUTDOWN) !== 0;
    return true;
  }

  /** Set the clean-shutdown bit of entry 1 in memory (written by the next flush). */
  public markCleanShutdown(): void {
    if (this.cleanShutdown) return;
    if (this.geo.type === 'FAT16') this.buf.writeUInt16LE(this.buf.readUInt16LE(2) | FAT16_CLEAN_SHUTDOWN, 2);
    else if (this.geo.type === 'FAT32') this.buf.writeUInt32LE((this.buf.readUInt32LE(4) | FAT32_CLEAN_SHUTDOWN) >>> 0, 4);
    this.dirty.add(0);
  }

  private countFree(): number {
    let n = 0;
    for (let c = 2; c <= this.maxCluster; c++) if (this.get(c) === 0) n++;
    return n;
  }

  private corrupt(msg: string): FlashError {
    return new FlashError('E_FAT', `corrupt FAT: ${msg}`);
  }

  /**
   * The clusters of the chain that starts at `first`, in order.
   *
   * Refuses a chain that leaves the cluster range, runs into a free or bad cluster, or loops.
   */
  public chain(first: number): number[] {
    const out: number[] = [];
    if (first === 0) return out;
    const seen = new Set<number>();
    let c = first;
    for (;;) {
      if (c < 2 || c > this.maxCluster) throw this.corrupt(`chain from cluster ${first} reaches cluster ${c}, outside 2..${this.maxCluster}`);
      if (seen.has(c)) throw this.corrupt(`chain from cluster ${first} loops at cluster ${c}`);
      seen.add(c);
      out.push(c);
      const next = this.get(c);
      if (next >= this.limits.eocMin) return out;
      if (next === 0) throw this.corrupt(`chain from cluster ${first} runs into free cluster ${c}`);
      if (next === this.limits.bad) throw this.corrupt(`chain from cluster ${first} runs into a bad cluster after ${c}`);
      c = next;
    }
  }

  /**
   * Take `count` free clusters and link them into one chain (in memory only).
   *
   * The caller must have checked `freeClusters` first. Prefers clusters after the hint, so
   * consecutive writes tend to be contiguous.
   */
  public allocate(count: number): number[] {
    if (count > this.free) throw new Error(`bug: allocate ${count} with ${this.free} free`);
    const out: number[] = [];
    const span = this.geo.clusterCount;
    let c = this.hint;
    for (let i = 0; i < span && out.length < count; i++) {
      if (this.get(c) === 0) out.push(c);
      c = c >= this.maxCluster ? 2 : c + 1;
    }
    if (out.length < count) throw this.corrupt('free cluster count does not match the table');
    out.forEach((cl, i) => this.set(cl, out[i + 1] ?? this.limits.eoc));
    const last = out[out.length - 1];
    if (last !== undefined) this.setHint(last + 1 > this.maxCluster ? 2 : last + 1);
    return out;
  }

  /** Mark every cluster of a chain free (in memory only). */
  public release(clusters: readonly number[]): void {
    for (const c of clusters) this.set(c, 0);
  }

  /** Copy of the state, to undo in-memory changes that never reached the disk. */
  public snapshot(): () => void {
    const buf = Buffer.from(this.buf);
    const dirty = new Set(this.dirty);
    const free = this.free;
    const hint = this.hint;
    return () => {
      this.buf = buf;
      this.dirty.clear();
      for (const d of dirty) this.dirty.add(d);
      this.free = free;
      this.hint = hint;
    };
  }

  /** Write the changed sectors to every FAT copy, first copy first. */
  public async flush(io: VolumeIO): Promise<void> {
    if (this.dirty.size === 0) return;
    const bps = this.geo.bytesPerSector;
    const sectors = [...this.dirty].sort((a, b) => a - b);
    for (let copy = 0; copy < this.geo.numFats; copy++) {
      const base = this.geo.fatOffset + copy * this.geo.fatBytes;
      // Merge runs of consecutive sectors into one write.
      let i = 0;
      while (i < sectors.length) {
        const s0 = sectors[i] ?? 0;
        let j = i;
        while (j + 1 < sectors.length && sectors[j + 1] === (sectors[j] ?? 0) + 1) j++;
        const s1 = sectors[j] ?? s0;
        await io.write(base + s0 * bps, this.buf.subarray(s0 * bps, (s1 + 1) * bps));
        i = j + 1;
      }
    }
    this.dirty.clear();
  }
}
