/**
 * Creating, replacing and deleting files and directories, in an order that survives a crash.
 *
 * Why this order (data -> FAT copies -> directory entry -> free the old chain):
 * - Data clusters are written while they are still free in the FAT: a crash leaves only unused
 *   free clusters with new bytes in them; nothing refers to them.
 * - The FAT copies are written next, which allocates the new chain (and the clusters of new or
 *   grown directories, already written with their final content or zeros). Nothing points to
 *   the new chain yet, so a crash here leaves a "lost chain" that fsck.fat reclaims (or saves as
 *   FSCK0000.REC), while the old file is still whole and still named by its entry.
 * - The directory entry is then written. A replace changes one 32-byte entry (first cluster and
 *   size, in one sector write), so the file is either wholly old or wholly new. A new entry's
 *   long-name slots are written before (or in the same sector as) its short entry; a crash in
 *   between leaves orphaned long-name slots, which readers skip and fsck.fat removes.
 * - Only then is the old chain freed (FAT copies again). A crash before that leaves the old
 *   chain lost, again reclaimable, never a file whose clusters are marked free.
 * - FSInfo's free count is set to "unknown" before the first change and to the true count after
 *   the last one, so it is never wrong after a crash.
 * Deleting is the mirror image: the entry goes first, then the chain is freed.
 * Everything is planned and checked (names, free space, directory room) before the first write,
 * so a refused operation leaves the disk untouched.
 */
import { FlashError } from '../../flasher/errors.js';
import { ATTR_ARCHIVE, ATTR_DIRECTORY, encodeShortEntry, toFatStamp, updateShortEntry, type FatStamp } from './dir-entry.js';
import { clusterOffset, Directory, runs, type DirItem, type FsCtx } from './directory.js';
import { encodeLfn, lfnEntryCount } from './lfn.js';
import { generateShortName } from './short-name.js';

/** A file or directory to be created under a new or existing parent. */
interface NewNode {
  readonly name: string;
  readonly isDir: boolean;
  short: Buffer;
  needsLfn: boolean;
  clusters: number[];
  clusterCount: number;
}

export type Leaf = { readonly kind: 'file'; readonly data: Uint8Array } | { readonly kind: 'dir' };

function slotsFor(node: NewNode): number {
  return (node.needsLfn ? lfnEntryCount(node.name) : 0) + 1;
}

function entriesFor(node: NewNode, stamp: FatStamp, size: number): Buffer[] {
  const short = encodeShortEntry({
    name: node.short,
    attr: node.isDir ? ATTR_DIRECTORY : ATTR_ARCHIVE,
    cluster: node.clusters[0] ?? 0,
    size: node.isDir ? 0 : size,
    created: stamp,
    modified: stamp,
  });
  return node.needsLfn ? [...encodeLfn(node.name, node.short), short] : [short];
}

function fullError(ctx: FsCtx, neededClusters: number): FlashError {
  const cs = ctx.geo.clusterSize;
  return new FlashError(
    'E_FAT_FULL',
    `not enough free space on the FAT volume: need ${neededClusters * cs} bytes, ${ctx.fat.freeClusters * cs} bytes free`,
  );
}

/** Write `data` into the clusters (whole clusters, the tail zero-padded), then read it back. */
async function writeAndVerify(ctx: FsCtx, clusters: readonly number[], data: Uint8Array): Promise<void> {
  const cs = ctx.geo.clusterSize;
  let pos = 0;
  for (const run of runs(clusters)) {
    const chunk = Buffer.alloc(run.count * cs);
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(chunk, 0, pos, Math.min(pos + chunk.length, data.length));
    await ctx.io.write(clusterOffset(ctx.geo, run.start), chunk);
    pos += chunk.length;
  }
  pos = 0;
  for (const run of runs(clusters)) {
    const back = await ctx.io.read(clusterOffset(ctx.geo, run.start), run.count * cs);
    const end = Math.min(pos + back.length, data.length);
    if (Buffer.compare(back.subarray(0, end - pos), data.subarray(pos, end)) !== 0) {
      throw new FlashError('E_VERIFY_MISMATCH', `FAT data read back differs from what was written (cluster ${run.start})`, {
        offset: ctx.io.start + clusterOffset(ctx.geo, run.start),
      });
    }
    pos = end;
  }
}

export interface WriteHooks {
  /** Called once before the first byte is written (FSInfo goes to "unknown"). */
  beforeFirstWrite(): Promise<void>;
}

/**
 * Create (or replace) the leaf at the end of `missing` under `parent`. `missing` lists the
 * directory names that do not exist yet, then the leaf's name.
 */
export async function createPath(
  ctx: FsCtx,
  parent: Directory,
  missing: readonly string[],
  leaf: Leaf,
  now: Date,
  hooks: WriteHooks,
): Promise<void> {
  const cs = ctx.geo.clusterSize;
  const stamp = toFatStamp(now);
  const leafName = missing[missing.length - 1];
  if (leafName === undefined) throw new Error('bug: createPath with nothing to create');
  const dataLen = leaf.kind === 'file' ? leaf.data.length : 0;
  if (dataLen > 0xffffffff) throw new FlashError('E_FAT_FULL', `a FAT file holds at most 4 GiB - 1 bytes (${dataLen} given)`);
  const dataClusters = Math.ceil(dataLen / cs);

  const scan = parent.scan();
  const existing = missing.length === 1 ? parent.find(leafName, scan) : undefined;
  if (existing !== undefined) {
    if (leaf.kind === 'dir') {
      if (existing.isDirectory) return;
      throw new FlashError('E_FAT', `"${leafName}" exists and is a file, not a directory`);
    }
    if (existing.isDirectory) throw new FlashError('E_FAT', `"${leafName}" is a directory`);
    await replaceFile(ctx, parent, existing, leaf.data, dataClusters, stamp, hooks);
    return;
  }

  // Plan the new nodes: short names, and how many clusters each needs.
  const nodes: NewNode[] = missing.map((name, i) => {
    const isDir = i < missing.length - 1 || leaf.kind === 'dir';
    const { short, needsLfn } = generateShortName(name, i === 0 ? parent.takenShortNames(scan) : new Set<string>());
    return { name, isDir, short, needsLfn, clusters: [], clusterCount: isDir ? 0 : dataClusters };
  });
  nodes.forEach((node, i) => {
    if (!node.isDir) return;
    const child = nodes[i + 1];
    node.clusterCount = Math.ceil(((2 + (child === undefined ? 0 : slotsFor(child))) * 32) / cs);
  });
  const first = nodes[0];
  if (first === undefined) throw new Error('bug: no nodes');
  const place = parent.planSlots(slotsFor(first), scan);
  const needed = nodes.reduce((n, node) => n + node.clusterCount, 0) + place.growClusters;
  if (needed > ctx.fat.freeClusters) throw fullError(ctx, needed);

  const restore = ctx.fat.snapshot();
  try {
    await hooks.beforeFirstWrite();
    for (const node of nodes) node.clusters = node.clusterCount > 0 ? ctx.fat.allocate(node.clusterCount) : [];
    // 1. Data: the file's bytes, then the new directories' clusters with their final content.
    const leafNode = nodes[nodes.length - 1];
    if (leaf.kind === 'file' && leafNode !== undefined) await writeAndVerify(ctx, leafNode.clusters, leaf.data);
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i];
      if (node === undefined || !node.isDir) continue;
      const self = node.clusters[0] ?? 0;
      const up = i === 0 ? parent.dotDotCluster : (nodes[i - 1]?.clusters[0] ?? 0);
      const buf = Buffer.alloc(node.clusterCount * cs);
      const dot = (name: string, cluster: number): Buffer =>
        encodeShortEntry({ name: Buffer.from(name.padEnd(11, ' '), 'latin1'), attr: ATTR_DIRECTORY, cluster, size: 0, created: stamp, modified: stamp });
      const body = [dot('.', self), dot('..', up)];
      const child = nodes[i + 1];
      if (child !== undefined) body.push(...entriesFor(child, stamp, dataLen));
      body.forEach((e, k) => e.copy(buf, k * 32));
      let pos = 0;
      for (const run of runs(node.clusters)) {
        await ctx.io.write(clusterOffset(ctx.geo, run.start), buf.subarray(pos, pos + run.count * cs));
        pos += run.count * cs;
      }
    }
    await parent.grow(place.growClusters);
  } catch (e) {
    restore();
    throw e;
  }
  // 2. Allocation: all FAT copies.
  await ctx.fat.flush(ctx.io);
  // 3. The one entry that makes it all reachable.
  const slots = parent.place(place.index, entriesFor(first, stamp, dataLen), parent.scan().end);
  await parent.writeSlots(slots.from, slots.to);
}

async function replaceFile(
  ctx: FsCtx,
  parent: Directory,
  old: DirItem,
  data: Uint8Array,
  dataClusters: number,
  stamp: FatStamp,
  hooks: WriteHooks,
): Promise<void> {
  // Check the old chain before anything is written: a corrupt one is refused, not freed.
  const oldChain = ctx.fat.chain(old.cluster);
  if (dataClusters > ctx.fat.freeClusters) throw fullError(ctx, dataClusters);
  const restore = ctx.fat.snapshot();
  let clusters: number[];
  try {
    await hooks.beforeFirstWrite();
    clusters = dataClusters > 0 ? ctx.fat.allocate(dataClusters) : [];
    await writeAndVerify(ctx, clusters, data);
  } catch (e) {
    restore();
    throw e;
  }
  await ctx.fat.flush(ctx.io);
  updateShortEntry(parent.slot(old.index), clusters[0] ?? 0, data.length, stamp);
  await parent.writeSlots(old.index, old.index + 1);
  ctx.fat.release(oldChain);
  await ctx.fat.flush(ctx.io);
}

/** Remove a file: its entry first, then its chain. */
export async function removeFile(ctx: FsCtx, parent: Directory, item: DirItem, hooks: WriteHooks): Promise<void> {
  if (item.isDirectory) throw new FlashError('E_FAT', `"${item.name}" is a directory`);
  const chain = ctx.fat.chain(item.cluster);
  await hooks.beforeFirstWrite();
  for (let i = item.startIndex; i <= item.index; i++) parent.slot(i)[0] = 0xe5;
  await parent.writeSlots(item.startIndex, item.index + 1);
  ctx.fat.release(chain);
  await ctx.fat.flush(ctx.io);
}
