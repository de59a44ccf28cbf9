/**
 * Plan the growth of the last partition of an MBR disk to the end of the disk
 * (docs/disk-formats.md §4.3), byte-identical to sfdisk `', +'`:
 * - primary last partition: SizeInLBA = min(N, 2^32) - StartLBA, end CHS recomputed;
 * - logical last partition (3os: p6 data inside the p4 container): the container in sector 0
 *   grows to min(N, 2^32) - extStart, then the last EBR's record 0 to the end; the previous EBR's
 *   link size stays as it was (sfdisk leaves it stale too; the kernel only follows link starts).
 *
 * Write order (power-loss safety): sector 0 (the container) first, flush, then the EBR, flush.
 * A crash in between leaves the old logical partition inside a bigger container: valid.
 * The reverse order could leave a logical partition sticking out of its container.
 */
import { FlashError } from '../../flasher/errors.js';
import { chsBytes, setRecordSize } from './mbr-format.js';
import type { LoadedMbr } from './mbr-read.js';
import { pickLastPartition, type GrowPlan, type GrowWhich } from './gpt-grow.js';
import type { MbrPartition, PlannedWrite } from './types.js';

const MBR_LIMIT = 2 ** 32;

export function planMbrGrow(loaded: LoadedMbr, which: GrowWhich, path: string): GrowPlan {
  const t = loaded.table;
  const ss = t.sectorSize;
  const cap = Math.min(loaded.totalLbas, MBR_LIMIT);
  // The container surrounds the logical partitions: it is checked on its own below.
  const target = pickLastPartition(t.partitions, which, path, (p) => p.placement === 'extended');
  const ext = t.partitions.find((p) => p.placement === 'extended');
  if (target.placement === 'primary' && ext !== undefined && ext.lastLba >= target.firstLba) {
    throw new FlashError('E_GROW', `${path}: the extended partition ${ext.index} lies after partition ${target.index}; refusing to grow`, { target: path, phase: 'grow' });
  }
  const newSize = cap - target.firstLba;
  const oldSize = target.lastLba - target.firstLba + 1;
  if (newSize < oldSize) throw new FlashError('E_GROW', `${path}: partition ${target.index} already runs past LBA ${cap}`, { target: path, phase: 'grow' });

  const writes: PlannedWrite[] = [];
  if (target.placement === 'logical') {
    if (ext === undefined) throw new Error('logical partition without a container'); // loadMbr guarantees one
    const newExt = cap - ext.firstLba;
    if (newExt !== ext.lastLba - ext.firstLba + 1) writes.push(resize(loaded, ext, newExt, 'extended partition size in sector 0', ss));
  }
  if (newSize !== oldSize) {
    const where = target.recordLba === 0 ? 'sector 0' : `EBR at LBA ${target.recordLba}`;
    writes.push(resize(loaded, target, newSize, `partition ${target.index} size in ${where}`, ss));
  }
  return {
    result: {
      changed: writes.length > 0,
      kind: 'mbr',
      sectorSize: ss,
      index: target.index,
      before: { start: target.start, size: target.size },
      after: { start: target.start, size: newSize * ss },
      diskSize: t.diskSize,
      backupMoved: false,
    },
    writes,
  };
}

function resize(loaded: LoadedMbr, p: MbrPartition, sizeLba: number, what: string, ss: number): PlannedWrite {
  const orig = loaded.sectors.get(p.recordLba);
  if (orig === undefined) throw new Error(`sector ${p.recordLba} was not read`);
  const s = Buffer.from(orig);
  setRecordSize(s, p.recordSlot, sizeLba, chsBytes(p.firstLba + sizeLba - 1));
  return { offset: p.recordLba * ss, data: s, what, flushAfter: true };
}
