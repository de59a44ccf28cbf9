/**
 * The end of a job for one target: flush, read back and compare, then write the held-back first
 * MiB (the partition table) and read it back, then commit (file targets) — or, on any failure,
 * wipe the first MiB again so the disk does not boot half an image.
 */
import { FlashError } from '../errors.js';
import type { JobEvent } from '../progress.js';
import type { ChunkPool } from './chunk-pool.js';
import type { RunOptions, TargetResult } from './job-types.js';
import { asFlash, HEAD_BYTES, type TargetState } from './target-state.js';
import type { WriteTarget } from './target.js';
import { verifyTarget } from './verify.js';
import type { WrittenMap } from './written-map.js';

const VERIFY_DEPTH = 2;

export interface FinishContext {
  readonly sourceError: FlashError | undefined;
  readonly verify: boolean;
  readonly map: WrittenMap;
  readonly pool: ChunkPool;
  readonly head: Buffer;
  readonly h64: (b: Uint8Array) => bigint;
  readonly opts: RunOptions;
  readonly onEvent: (e: JobEvent) => void;
  readonly sourceAt: ((offset: number, length: number) => Promise<Buffer>) | undefined;
}

export async function finishTarget(s: TargetState, ctx: FinishContext): Promise<TargetResult> {
  const { sourceError, verify, map, pool, head, h64, opts, onEvent, sourceAt } = ctx;
  const t = s.target;
  let error = s.error ?? s.writer?.error ?? sourceError?.withContext({ target: s.path });
  let headWritten = 0;
  if (t !== undefined && error === undefined) {
    try {
      s.phase = 'write';
      await s.writer?.start();
      await t.flush();
      await opts.beforeVerify?.(s.path);
      if (verify) {
        s.phase = 'verify';
        s.doneBytes = 0;
        await verifyTarget(t, map, pool, { depth: VERIFY_DEPTH, h64, onBytes: (b) => (s.doneBytes = b), sourceAt });
      }
      s.phase = 'finalize';
      await writeHead(t, pool, head, verify);
      headWritten = head.length;
      s.verified = verify;
      await t.commit();
    } catch (e) {
      error = asFlash(e, s.path).withContext({ phase: s.phase });
    }
  }
  if (t !== undefined) {
    if (error !== undefined) await t.abort(HEAD_BYTES);
    await t.close();
  }
  const result: TargetResult = {
    target: s.path,
    ok: error === undefined,
    // Every image byte written, the held-back first MiB included.
    bytesWritten: (s.writer?.bytesWritten ?? 0) + headWritten,
    verified: s.verified,
    seconds: (performance.now() - s.started) / 1000,
    error: error?.toJSON(),
  };
  onEvent({ kind: 'done', ...result });
  return result;
}

/** Write the held-back first MiB through an aligned buffer, flush, and read it back from the device. */
async function writeHead(t: WriteTarget, pool: ChunkPool, head: Buffer, verify: boolean): Promise<void> {
  const chunk = await pool.acquire();
  try {
    const out = chunk.data.subarray(0, head.length);
    head.copy(out);
    await t.writeAt(out, 0, true);
    await t.flush();
    if (!verify) return;
    const back = chunk.data.subarray(HEAD_BYTES, HEAD_BYTES + head.length);
    await t.readAt(back, 0, true);
    const bad = firstDifference(head, back);
    if (bad !== undefined) {
      throw new FlashError('E_VERIFY_MISMATCH', `${t.path}: verification failed at byte ${bad} (partition table area)`, { target: t.path, phase: 'verify', offset: bad });
    }
  } finally {
    pool.release(chunk);
  }
}

function firstDifference(a: Buffer, b: Buffer): number | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? undefined : n;
}
