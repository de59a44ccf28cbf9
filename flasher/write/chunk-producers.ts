/**
 * Where chunks come from: a decoder that fills the chunks itself (a spawned tool's output read
 * straight into them), a decoded stream (copied once into the shared chunks), or, for a raw
 * local image, the file read straight into the chunks with one read ahead (no extra copy), and,
 * with a bmap, only the chunks that hold mapped data are read at all (what makes bmaptool fast).
 */
import { open } from 'node:fs/promises';
import { FlashError } from '../errors.js';
import { sourceError } from '../source/local-file.js';
import type { SlabReader } from '../source/slab-reader.js';
import type { ByteRange } from './bmap-ranges.js';
import type { Chunk, ChunkPool } from './chunk-pool.js';

export interface Filled {
  readonly chunk: Chunk;
  readonly len: number;
}

function cancelled(): FlashError {
  return new FlashError('E_CANCELLED', 'cancelled', { phase: 'write' });
}

export async function* chunksFromStream(stream: AsyncIterable<Buffer>, pool: ChunkPool, signal?: AbortSignal): AsyncGenerator<Filled, number> {
  let total = 0;
  let chunk: Chunk | undefined;
  let fill = 0;
  try {
    for await (const part of stream) {
      if (signal?.aborted === true) throw cancelled();
      let pos = 0;
      while (pos < part.length) {
        if (chunk === undefined) {
          chunk = await pool.acquire();
          chunk.offset = total;
          fill = 0;
        }
        const n = Math.min(part.length - pos, pool.chunkSize - fill);
        part.copy(chunk.data, fill, pos, pos + n);
        fill += n;
        pos += n;
        total += n;
        if (fill === pool.chunkSize) {
          const full = chunk;
          chunk = undefined;
          yield { chunk: full, len: fill };
        }
      }
    }
    if (chunk !== undefined) {
      const last = chunk;
      chunk = undefined;
      yield { chunk: last, len: fill };
    }
  } finally {
    if (chunk !== undefined) pool.release(chunk);
  }
  return total;
}

/** Let the decoder fill whole chunks in place: no stream, no copy. */
export async function* chunksFromReader(reader: SlabReader, pool: ChunkPool, signal?: AbortSignal): AsyncGenerator<Filled, number> {
  let total = 0;
  for (;;) {
    if (signal?.aborted === true) throw cancelled();
    const chunk = await pool.acquire();
    let len: number;
    try {
      len = await reader.fill(chunk.data);
    } catch (e) {
      pool.release(chunk);
      throw e;
    }
    if (len === 0) {
      pool.release(chunk);
      return total;
    }
    chunk.offset = total;
    total += len;
    yield { chunk, len };
    if (len < chunk.data.length) return total;
  }
}

/** True when some range intersects [start, end). Ranges are sorted. */
function touches(ranges: readonly ByteRange[], start: number, end: number): boolean {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ranges[mid]?.end ?? 0) <= start) lo = mid + 1;
    else hi = mid;
  }
  const r = ranges[lo];
  return r !== undefined && r.start < end;
}

/**
 * Read a raw local image straight into chunks. With `only`, chunks that hold no mapped byte are
 * not read (they are not yielded either).
 */
export async function* chunksFromFile(path: string, size: number, pool: ChunkPool, only: readonly ByteRange[] | undefined, signal?: AbortSignal): AsyncGenerator<Filled, number> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw sourceError(e, path);
  });
  const offsets: number[] = [];
  for (let off = 0; off < size; off += pool.chunkSize) {
    if (only === undefined || touches(only, off, Math.min(off + pool.chunkSize, size))) offsets.push(off);
  }
  const readChunk = async (off: number): Promise<Filled> => {
    const chunk = await pool.acquire();
    chunk.offset = off;
    const want = Math.min(pool.chunkSize, size - off);
    let got = 0;
    try {
      while (got < want) {
        const { bytesRead } = await fh.read(chunk.data, got, want - got, off + got);
        if (bytesRead === 0) throw new FlashError('E_TRUNCATED', `the image ended at byte ${off + got} while reading it (changed on disk?)`, { phase: 'source', offset: off + got });
        got += bytesRead;
      }
    } catch (e) {
      pool.release(chunk);
      throw e instanceof FlashError ? e : sourceError(e, path);
    }
    return { chunk, len: want };
  };
  try {
    let ahead: Promise<Filled> | undefined;
    for (let i = 0; i < offsets.length; i++) {
      if (signal?.aborted === true) throw cancelled();
      const cur = ahead ?? readChunk(offsets[i] ?? 0);
      ahead = undefined;
      const filled = await cur;
      // Read the next chunk while this one is handed out.
      if (i + 1 < offsets.length) {
        ahead = readChunk(offsets[i + 1] ?? 0);
        ahead.catch(() => undefined);
      }
      yield filled;
    }
  } finally {
    await fh.close();
  }
  return size;
}
