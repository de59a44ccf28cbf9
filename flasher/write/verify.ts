/**
 * Read-back verification: after a flush, every written piece is read from the target (direct
 * I/O where possible, so the page cache cannot hide a bad write) and its XXH64 compared with the
 * hash taken while writing. The first differing piece is reported with its byte offset.
 */
import { FlashError } from '../errors.js';
import type { ChunkPool } from './chunk-pool.js';
import type { WriteTarget } from './target.js';
import type { WrittenMap } from './written-map.js';

export interface VerifyOptions {
  readonly depth: number;
  readonly h64: (b: Uint8Array) => bigint;
  readonly onBytes?: (bytes: number) => void;
  /** The image's bytes at an offset, when the source can be read again (a raw local file). */
  readonly sourceAt?: ((offset: number, length: number) => Promise<Buffer>) | undefined;
}

/** Narrow a bad 64 KiB piece down to its first differing byte, when the source can be re-read. */
async function firstBadByte(target: WriteTarget, pieceOffset: number, length: number, opts: VerifyOptions): Promise<number> {
  if (opts.sourceAt === undefined) return pieceOffset;
  try {
    const want = await opts.sourceAt(pieceOffset, length);
    const got = Buffer.alloc(length);
    const n = await target.readAt(got, pieceOffset, false);
    for (let i = 0; i < Math.min(n, want.length); i++) if (got[i] !== want[i]) return pieceOffset + i;
    return pieceOffset + Math.min(n, want.length);
  } catch {
    return pieceOffset;
  }
}

export async function verifyTarget(target: WriteTarget, map: WrittenMap, pool: ChunkPool, opts: VerifyOptions): Promise<void> {
  const runs = map.runs(pool.chunkSize);
  let firstBad: number | undefined;
  let done = 0;

  const worker = async (): Promise<void> => {
    const chunk = await pool.acquire();
    try {
      for (;;) {
        const next = runs.next();
        if (next.done === true) return;
        const [i, j] = next.value;
        const first = map.piece(i);
        const last = map.piece(j - 1);
        const start = first.offset;
        const len = last.offset + last.length - start;
        const buf = chunk.data.subarray(0, len);
        const got = await target.readAt(buf, start, true);
        for (let k = i; k < j; k++) {
          const p = map.piece(k);
          const rel = p.offset - start;
          const ok = rel + p.length <= got && opts.h64(buf.subarray(rel, rel + p.length)) === p.hash;
          if (!ok) {
            if (firstBad === undefined || p.offset < firstBad) firstBad = p.offset;
            break;
          }
        }
        done += len;
        opts.onBytes?.(done);
      }
    } finally {
      pool.release(chunk);
    }
  };

  await Promise.all(Array.from({ length: opts.depth }, () => worker()));
  if (firstBad !== undefined) {
    const piece = firstBad;
    const at = await firstBadByte(target, piece, map.piece(pieceIndexAt(map, piece)).length, opts);
    const where = at === piece && opts.sourceAt === undefined ? `in the 64 KiB block at byte ${piece}` : `at byte ${at}`;
    throw new FlashError('E_VERIFY_MISMATCH', `${target.path}: verification failed, the data read back differs ${where}`, {
      target: target.path,
      phase: 'verify',
      offset: at,
    });
  }
}

function pieceIndexAt(map: WrittenMap, offset: number): number {
  let lo = 0;
  let hi = map.count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (map.piece(mid).offset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
