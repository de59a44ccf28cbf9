/**
 * A read-only consistency check of a whole FAT volume, run before anything is written to it
 * (what `fsck.fat -n` looks at, minus the volume label):
 *
 * - the boot sector (bpb.ts, already checked when the volume was opened);
 * - the FAT: entry 0 carries the media marks, every copy is byte-identical to the first over the
 *   entries in use, no entry holds a reserved or out-of-range value;
 * - every directory, from the root down: "." and ".." of subdirectories, short names that no
 *   FAT implementation would write (control characters, `*?<>|"\/:.`, a leading space), two
 *   entries with the same 8.3 name, directory entries with a size or pointing at the root, at
 *   themselves or at their parent, first clusters outside the volume;
 * - every cluster chain of a file or directory: it stays in range, never runs into a free or bad
 *   cluster, never loops, is not shared with another chain (cross-link), and is exactly as long as
 *   the file's size needs.
 *
 * Problems make the volume "damaged" (E_FAT): nothing may be written to it, since the allocator
 * trusts the FAT (a cluster a damaged chain runs into is "free" to it). Things that are untidy but
 * cannot mislead the writer are warnings: the not-cleanly-unmounted ("dirty") flags, allocated
 * clusters no chain reaches (lost chains, left alone), orphaned long-name entries (readers skip
 * them; the writer never reuses their slots).
 */
import { FlashError } from '../../flasher/errors.js';
import { fatEntryBits, type FatType } from './bpb.js';
import { ATTR_DIRECTORY, ATTR_VOLUME_ID, ENTRY_END, ENTRY_FREE, ENTRY_SIZE, entryCluster } from './dir-entry.js';
import { clusterOffset, MAX_DIR_ENTRIES, runs, type FsCtx } from './directory.js';
import { ATTR_LFN, LFN_LAST, lfnChecksum } from './lfn.js';
import { formatShortName } from './short-name.js';

export interface FatCheckReport {
  readonly type: FatType;
  readonly clusterSize: number;
  readonly clusterCount: number;
  readonly freeClusters: number;
  readonly badClusters: number;
  /** Allocated clusters that no file or directory reaches (lost chains; left alone). */
  readonly lostClusters: number;
  readonly files: number;
  readonly directories: number;
  /** The volume was not cleanly unmounted (boot sector state flag or FAT entry 1). */
  readonly dirty: boolean;
  /** Damage: any entry here means the volume must not be written. */
  readonly problems: readonly string[];
  /** Untidy but harmless for a writer (see module comment). */
  readonly warnings: readonly string[];
}

/** Stop collecting after this many problems: one is enough to refuse. */
const MAX_PROBLEMS = 20;

/** Characters fsck.fat (dosfstools) calls bad in a short name. */
const BAD_SHORT_CHARS = new Set([...'*?<>|"\\/:.'].map((c) => c.charCodeAt(0)));

/** Why a raw 11-byte short name is one no FAT implementation writes, or undefined. */
export function badShortName(raw: Uint8Array): string | undefined {
  if (raw[0] === 0x20) return 'starts with a space';
  for (let i = 0; i < 11; i++) {
    const c = raw[i] ?? 0;
    if ((c < 0x20 && !(i === 0 && c === 0x05)) || c === 0x7f) return `holds control character 0x${c.toString(16).padStart(2, '0')}`;
    if (BAD_SHORT_CHARS.has(c)) return `holds "${String.fromCharCode(c)}"`;
  }
  return undefined;
}

function shown(raw: Uint8Array): string {
  return JSON.stringify(Buffer.from(raw).toString('latin1'));
}

/**
 * Byte of the boot sector whose bit 0 says "mounted, not cleanly unmounted" (Linux sets it while
 * mounted), or undefined when the BPB has no extended part (the byte is then boot code).
 */
export function bootStateOffset(bs: Buffer, type: FatType): number | undefined {
  const sig = bs[type === 'FAT32' ? 66 : 38];
  return sig === 0x29 || sig === 0x28 ? (type === 'FAT32' ? 65 : 37) : undefined;
}

function bootDirtyFlag(bs: Buffer, type: FatType): boolean {
  const at = bootStateOffset(bs, type);
  return at !== undefined && ((bs[at] ?? 0) & 1) !== 0;
}

interface DirTask {
  /** First cluster; 0 for the root directory (fixed region, or FAT32's root cluster). */
  readonly first: number;
  readonly path: string;
  /** First cluster of the parent ('..' must name it; 0 when the parent is the root). */
  readonly parent: number;
}

/** Check the whole volume. Reads everything it needs, writes nothing. */
export async function checkFatVolume(ctx: FsCtx, bootSector: Buffer): Promise<FatCheckReport> {
  const { geo, fat, io } = ctx;
  const problems: string[] = [];
  const warnings: string[] = [];
  const problem = (msg: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(msg);
  };
  const max = fat.maxCluster;
  const limits = fat.limits;
  const fat32 = geo.type === 'FAT32';

  // The FAT: media marks in entry 0, identical copies, no reserved values.
  const extd = geo.type === 'FAT12' ? 0xff0 : geo.type === 'FAT16' ? 0xfff0 : 0x0ffffff0;
  if ((fat.get(0) & extd) !== extd) problem(`FAT entry 0 is 0x${fat.get(0).toString(16)}, not the media marker: the FAT's first sector is damaged`);
  for (let copy = 1; copy < geo.numFats; copy++) {
    const other = await io.read(geo.fatOffset + copy * geo.fatBytes, fat.usedBytes);
    const at = fat.firstDifference(other);
    if (at >= 0) problem(`FAT copy ${copy + 1} differs from copy 1 (first at byte ${at}, around cluster ${Math.floor((at * 8) / fatEntryBits(geo.type))})`);
  }
  let free = 0;
  let bad = 0;
  for (let c = 2; c <= max; c++) {
    const v = fat.get(c);
    if (v === 0) free++;
    else if (v === limits.bad) bad++;
    else if (v === 1 || (v > max && v < limits.bad)) problem(`FAT entry of cluster ${c} holds 0x${v.toString(16)}, which is neither a cluster of the volume (2..${max}) nor an end mark`);
  }
  const dirty = bootDirtyFlag(bootSector, geo.type) || !fat.cleanShutdown;
  if (dirty) warnings.push('the volume was not cleanly unmounted (dirty flag set); its structure checks out');

  // Chains: owner[c] = id of the chain that holds cluster c (0: none).
  const owner = new Uint32Array(max + 1);
  let chainId = 0;
  const walkChain = (first: number, what: string): number[] | undefined => {
    const id = ++chainId;
    const out: number[] = [];
    let c = first;
    for (;;) {
      if (c < 2 || c > max) {
        problem(`${what}: its cluster chain reaches cluster ${c}, outside the volume (2..${max})`);
        return undefined;
      }
      if (owner[c] === id) {
        problem(`${what}: its cluster chain loops back to cluster ${c}`);
        return undefined;
      }
      if (owner[c] !== 0) {
        problem(`${what}: cluster ${c} also belongs to another file or directory (cross-linked chains)`);
        return undefined;
      }
      owner[c] = id;
      out.push(c);
      const next = fat.get(c);
      if (next >= limits.eocMin) return out;
      if (next === 0) {
        problem(`${what}: its cluster chain runs into free cluster ${c}`);
        return undefined;
      }
      if (next === limits.bad) {
        problem(`${what}: its cluster chain runs into a bad cluster after cluster ${c}`);
        return undefined;
      }
      c = next;
    }
  };

  let files = 0;
  let directories = 0;
  let orphanLfn = 0;
  const tasks: DirTask[] = [{ first: 0, path: '/', parent: 0 }];
  if (fat32) {
    const root = walkChain(geo.rootCluster, 'the root directory');
    if (root === undefined) tasks.length = 0;
  }
  for (let task = tasks.pop(); task !== undefined && problems.length < MAX_PROBLEMS; task = tasks.pop()) {
    directories++;
    const isRoot = task.first === 0;
    let buf: Buffer;
    if (isRoot && !fat32) {
      buf = await io.read(geo.rootDirOffset, geo.rootDirBytes);
    } else {
      const start = isRoot ? geo.rootCluster : task.first;
      // The root's chain was claimed above; a subdirectory's chain is claimed here.
      const clusters = isRoot ? fat.chain(start) : walkChain(start, `directory ${task.path}`);
      if (clusters === undefined) continue;
      if (clusters.length * geo.clusterSize > MAX_DIR_ENTRIES * ENTRY_SIZE) {
        problem(`directory ${task.path} is longer than the ${MAX_DIR_ENTRIES} entries FAT allows`);
        continue;
      }
      const parts: Buffer[] = [];
      for (const run of runs(clusters)) parts.push(await io.read(clusterOffset(geo, run.start), run.count * geo.clusterSize));
      buf = Buffer.concat(parts);
    }
    const slots = buf.length / ENTRY_SIZE;
    const slot = (i: number): Buffer => buf.subarray(i * ENTRY_SIZE, (i + 1) * ENTRY_SIZE);
    const prefix = task.path === '/' ? '/' : `${task.path}/`;

    // "." and ".." open every subdirectory.
    let from = 0;
    if (!isRoot) {
      const dots: [string, number][] = [['.          ', task.first], ['..         ', task.parent]];
      dots.forEach(([name, cluster], i) => {
        const e = i < slots ? slot(i) : undefined;
        const label = i === 0 ? '"."' : '".."';
        if (e === undefined || e.toString('latin1', 0, 11) !== name || ((e[11] ?? 0) & ATTR_DIRECTORY) === 0) {
          problem(`directory ${task.path}: slot ${i + 1} is not its ${label} entry`);
        } else if (entryCluster(e, fat32) !== cluster) {
          problem(`directory ${task.path}: its ${label} entry names cluster ${entryCluster(e, fat32)}, not ${cluster}`);
        }
      });
      from = 2;
    }

    const seen = new Set<string>();
    let lfn: { expect: number; sum: number } | undefined;
    const orphan = (): void => {
      if (lfn !== undefined) orphanLfn++;
      lfn = undefined;
    };
    for (let i = from; i < slots; i++) {
      const e = slot(i);
      const b0 = e[0] ?? 0;
      if (b0 === ENTRY_END) break;
      if (b0 === ENTRY_FREE) {
        orphan();
        continue;
      }
      const attr = e[11] ?? 0;
      if ((attr & 0x3f) === ATTR_LFN) {
        const ord = b0 & 0x3f;
        if ((b0 & LFN_LAST) !== 0) {
          orphan();
          lfn = ord >= 1 && ord <= 20 ? { expect: ord - 1, sum: e[13] ?? 0 } : undefined;
          if (lfn === undefined) orphanLfn++;
        } else if (lfn === undefined || ord !== lfn.expect || ord === 0 || e[13] !== lfn.sum) {
          orphan();
          orphanLfn++;
        } else {
          lfn.expect--;
        }
        continue;
      }
      const raw = e.subarray(0, 11);
      if (lfn !== undefined && (lfn.expect !== 0 || lfnChecksum(raw) !== lfn.sum)) orphanLfn++;
      lfn = undefined;
      if ((attr & (ATTR_VOLUME_ID | ATTR_DIRECTORY)) === ATTR_VOLUME_ID) continue; // volume label
      const name = `${prefix}${formatShortName(raw, e[12] ?? 0)}`;
      const why = badShortName(raw);
      if (why !== undefined) problem(`directory ${task.path}: the entry in slot ${i + 1} has an invalid short name ${shown(raw)} (${why}): the directory looks damaged`);
      const key = Buffer.from(raw).toString('latin1');
      if (seen.has(key)) problem(`${name}: two entries in ${task.path} have the same short name ${shown(raw)}`);
      seen.add(key);

      const first = entryCluster(e, fat32);
      const size = e.readUInt32LE(28);
      const isDir = (attr & ATTR_DIRECTORY) !== 0;
      if (first === 1 || first > max) {
        problem(`${name}: its first cluster ${first} lies outside the volume (2..${max})`);
        continue;
      }
      if (isDir) {
        if (size !== 0) problem(`${name}: a directory with a size (${size} bytes)`);
        if (first === 0) problem(`${name}: a directory whose entry points at the root directory`);
        else if (first === task.first || (!isRoot && first === task.parent) || (fat32 && first === geo.rootCluster)) {
          problem(`${name}: a directory whose entry points at itself or a parent`);
        } else tasks.push({ first, path: name, parent: task.first });
        continue;
      }
      files++;
      const need = Math.ceil(size / geo.clusterSize);
      if (first === 0) {
        if (size !== 0) problem(`${name}: ${size} bytes but no clusters`);
        continue;
      }
      const chain = walkChain(first, name);
      if (chain !== undefined && chain.length !== need) {
        problem(`${name}: ${size} bytes need ${need} cluster(s), its chain has ${chain.length}`);
      }
    }
    orphan();
  }

  let lost = 0;
  if (problems.length === 0) {
    for (let c = 2; c <= max; c++) {
      const v = fat.get(c);
      if (v !== 0 && v !== limits.bad && owner[c] === 0) lost++;
    }
  }
  if (lost > 0) warnings.push(`${lost} allocated cluster(s) belong to no file (lost chains; left alone)`);
  if (orphanLfn > 0) warnings.push(`${orphanLfn} orphaned long-name entr${orphanLfn === 1 ? 'y' : 'ies'} (skipped by readers; left alone)`);
  return {
    type: geo.type,
    clusterSize: geo.clusterSize,
    clusterCount: geo.clusterCount,
    freeClusters: free,
    badClusters: bad,
    lostClusters: lost,
    files,
    directories,
    dirty,
    problems,
    warnings,
  };
}

/** The E_FAT refusal for a damaged volume (first problems named). */
export function damagedError(report: FatCheckReport, where: string): FlashError {
  const shownProblems = report.problems.slice(0, 3).join('; ');
  const more = report.problems.length > 3 ? ` (and ${report.problems.length - 3} more)` : '';
  return new FlashError('E_FAT', `${where} is damaged, nothing was written: ${shownProblems}${more}. Check it with fsck.fat (or chkdsk) first`);
}
