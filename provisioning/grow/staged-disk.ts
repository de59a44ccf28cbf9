/**
 * A disk whose writes are kept in memory: the planning half of "plan everything, then write".
 *
 * The partition, LVM and FAT editors run unchanged against a StagedDisk: reads see the real disk
 * with every staged write laid over it (so each step sees the ones before it, as it would on the
 * disk), writes and flushes are recorded in order and never reach the disk. Whatever an editor
 * refuses (damage found, no room, a VG it does not understand) is refused here, with nothing
 * written. `replay` then performs exactly the recorded writes, in the recorded order with the
 * recorded flush barriers (each editor's power-loss-safe order is kept), and reads every written
 * range back.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError, fromIoError, type Phase } from '../../flasher/errors.js';

export type StagedOp =
  | { readonly kind: 'write'; readonly offset: number; readonly data: Buffer; readonly what: string }
  | { readonly kind: 'flush' };

/** A write as reported to callers (no bytes). */
export interface PlannedWriteInfo {
  readonly offset: number;
  readonly length: number;
  readonly what: string;
}

export class StagedDisk implements DiskIO {
  private readonly log: StagedOp[] = [];
  /** Label given to the writes recorded from now on (for reports). */
  public what = '';

  public constructor(private readonly base: DiskIO) {}

  public get path(): string {
    return this.base.path;
  }

  public get size(): number {
    return this.base.size;
  }

  public get sectorSize(): number {
    return this.base.sectorSize;
  }

  public async read(offset: number, length: number): Promise<Buffer> {
    const out = Buffer.from(await this.base.read(offset, length));
    overlay(out, offset, this.log);
    return out;
  }

  public write(offset: number, data: Uint8Array): Promise<void> {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + data.length > this.base.size) {
      return Promise.reject(new FlashError('E_WRITE_IO', `${this.base.path}: write of ${data.length} bytes at byte ${offset} lies outside the disk (${this.base.size} bytes)`, { target: this.base.path, offset }));
    }
    if (data.length > 0) this.log.push({ kind: 'write', offset, data: Buffer.from(data), what: this.what });
    return Promise.resolve();
  }

  public flush(): Promise<void> {
    if (this.log.length > 0 && this.log[this.log.length - 1]?.kind !== 'flush') this.log.push({ kind: 'flush' });
    return Promise.resolve();
  }

  /** Nothing to close: the base disk belongs to the caller. */
  public close(): Promise<void> {
    return Promise.resolve();
  }

  /** Position in the log, to cut it into steps. */
  public mark(): number {
    return this.log.length;
  }

  /** The ops recorded in [from, to). */
  public ops(from = 0, to = this.log.length): StagedOp[] {
    return this.log.slice(from, to);
  }
}

/** Lay every write of `ops` (in order) over `buf`, which holds bytes [offset, offset + buf.length). */
export function overlay(buf: Buffer, offset: number, ops: readonly StagedOp[]): void {
  const end = offset + buf.length;
  for (const op of ops) {
    if (op.kind !== 'write') continue;
    const wEnd = op.offset + op.data.length;
    if (wEnd <= offset || op.offset >= end) continue;
    const from = Math.max(offset, op.offset);
    const to = Math.min(end, wEnd);
    op.data.copy(buf, from - offset, from - op.offset, to - op.offset);
  }
}

/** The writes of `ops` for reports. */
export function writeInfo(ops: readonly StagedOp[]): PlannedWriteInfo[] {
  const out: PlannedWriteInfo[] = [];
  for (const op of ops) if (op.kind === 'write') out.push({ offset: op.offset, length: op.data.length, what: op.what });
  return out;
}

/** Disjoint byte ranges covered by the writes of `ops`, ascending. */
export function writtenRanges(ops: readonly StagedOp[]): { start: number; end: number }[] {
  const ranges = ops
    .filter((o): o is Extract<StagedOp, { kind: 'write' }> => o.kind === 'write')
    .map((o) => ({ start: o.offset, end: o.offset + o.data.length }))
    .sort((a, b) => a.start - b.start);
  const out: { start: number; end: number }[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last !== undefined && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** Perform `ops` on `disk` in order (flushes where recorded, and once at the end). */
export async function replay(disk: DiskIO, ops: readonly StagedOp[], phase: Phase): Promise<void> {
  for (const op of ops) {
    if (op.kind === 'flush') {
      try {
        await disk.flush();
      } catch (e) {
        throw fromIoError(e, disk.path, phase);
      }
      continue;
    }
    try {
      await disk.write(op.offset, op.data);
    } catch (e) {
      throw fromIoError(e, disk.path, phase, op.offset);
    }
  }
  if (ops.length > 0 && ops[ops.length - 1]?.kind !== 'flush') {
    try {
      await disk.flush();
    } catch (e) {
      throw fromIoError(e, disk.path, phase);
    }
  }
}

/** Read every range `ops` wrote back from `disk` and compare it with what was written last there. */
export async function verifyReplayed(disk: DiskIO, ops: readonly StagedOp[], phase: Phase): Promise<void> {
  for (const r of writtenRanges(ops)) {
    const want = Buffer.alloc(r.end - r.start);
    overlay(want, r.start, ops);
    const got = await disk.read(r.start, r.end - r.start);
    if (!got.equals(want)) {
      let at = 0;
      while (at < want.length && got[at] === want[at]) at++;
      throw new FlashError('E_VERIFY_MISMATCH', `${disk.path}: byte ${r.start + at} reads back differently after the ${phase} step wrote it`, {
        target: disk.path,
        phase,
        offset: r.start + at,
      });
    }
  }
}

/** The current bytes of every range `ops` will write (to notice a disk that changed since it was planned). */
export async function snapshotRanges(disk: DiskIO, ops: readonly StagedOp[]): Promise<{ start: number; data: Buffer }[]> {
  const out: { start: number; data: Buffer }[] = [];
  for (const r of writtenRanges(ops)) out.push({ start: r.start, data: Buffer.from(await disk.read(r.start, r.end - r.start)) });
  return out;
}
