/**
 * The pump of a job: chunks from the source (a decoder filling the chunks itself, a decoded stream,
 * or a raw local file read straight into the chunks), checked (bmap range checksums, sizes), hashed on the worker and handed to the
 * fan-out. The first MiB is clipped from what targets write now: it is written last.
 */
import { FlashError } from '../errors.js';
import type { OpenedImage } from '../source/open-image.js';
import { RangeCursor, type ByteRange } from './bmap-ranges.js';
import type { Chunk, ChunkPool } from './chunk-pool.js';
import { chunksFromFile, chunksFromReader, chunksFromStream } from './chunk-producers.js';
import { HashWorker } from './hash-worker.js';
import { HEAD_BYTES } from './target-state.js';
import { hashPieces, type WrittenMap } from './written-map.js';

/** Pieces of a chunk that lie past the held-back first MiB. */
function clipHead(pieces: readonly ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  for (const p of pieces) {
    if (p.end <= HEAD_BYTES) continue;
    out.push({ start: Math.max(p.start, HEAD_BYTES), end: p.end });
  }
  return out;
}

export interface StreamResult {
  readonly sha256: string | undefined;
  readonly bytes: number;
}

export interface StreamPlan {
  readonly size: number | undefined;
  readonly ranges: readonly ByteRange[] | undefined;
  readonly checksumType: string | undefined;
  /** Keep the SHA-256 of the whole decoded image (needs every byte read). */
  readonly wantSha: boolean;
  /** Hash the written pieces for read-back verification. */
  readonly wantPieces: boolean;
}

/**
 * Pull chunks from the source, check them (bmap range checksums, sizes), hash the written pieces
 * (XXH64 into `map`, here) and the image (SHA-256, on the worker), and hand them to `dispatch`
 * (the fan-out).
 */
export async function streamImage(
  image: OpenedImage,
  pool: ChunkPool,
  plan: StreamPlan,
  map: WrittenMap,
  signal: AbortSignal | undefined,
  h64: (b: Uint8Array) => bigint,
  dispatch: (chunk: Chunk, len: number, body: readonly ByteRange[]) => void,
): Promise<StreamResult> {
  const { size, ranges } = plan;
  // A raw local file is read straight into the chunks; with a bmap and no checksum of the whole
  // image to compute, unmapped chunks are not read at all.
  const direct = image.format === 'raw' && image.localPath !== undefined && size !== undefined;
  const sparseRead = direct && ranges !== undefined && !plan.wantSha;
  const sha = plan.wantSha ? new HashWorker(pool.shared) : undefined;
  const cursor = ranges === undefined ? undefined : new RangeCursor(ranges, plan.checksumType);
  let total = 0;
  try {
    const reader = direct ? undefined : image.slabReader();
    const producer = direct && image.localPath !== undefined
      ? chunksFromFile(image.localPath, size, pool, sparseRead ? ranges : undefined, signal)
      : reader !== undefined
        ? chunksFromReader(reader, pool, signal)
        : chunksFromStream(image.stream as AsyncIterable<Buffer>, pool, signal);
    if (direct) image.stream.destroy();
    for await (const { chunk, len } of producer) {
      total = Math.max(total, chunk.offset + len);
      const data = chunk.data.subarray(0, len);
      const pieces = cursor === undefined ? [{ start: chunk.offset, end: chunk.offset + len }] : cursor.take(chunk.offset, data);
      const body = clipHead(pieces);
      if (plan.wantPieces) hashPieces(map, chunk.data, chunk.offset, body, h64);
      if (sha !== undefined) {
        chunk.refs += 1;
        sha.update(pool.slabOffset(chunk), len, () => pool.unref(chunk));
      }
      dispatch(chunk, len, body);
    }
    if (sparseRead && size !== undefined) total = size;
    cursor?.finish();
    if (size !== undefined && total !== size) {
      if (total < size) throw new FlashError('E_TRUNCATED', `the image ended after ${total} of ${size} bytes (truncated?)`, { phase: 'decompress', offset: total });
      throw new FlashError(ranges !== undefined ? 'E_BMAP' : 'E_FORMAT_CORRUPT', `the image has ${total} bytes, more than the ${size} announced`, { phase: 'decompress', offset: size });
    }
    const digest = await sha?.digest();
    return { sha256: plan.wantSha ? digest : undefined, bytes: total };
  } finally {
    await sha?.close();
  }
}
