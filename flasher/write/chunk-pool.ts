/**
 * A fixed pool of aligned chunk buffers shared by every target of a job.
 *
 * Direct I/O needs buffers whose memory address is aligned to the device's DMA alignment, which
 * JavaScript cannot ask for. So the pool allocates one slab with 4 KiB of slack and finds, once,
 * the offset inside it at which an O_DIRECT read succeeds (see `probeAlignment`); every chunk is
 * carved at that offset plus a multiple of the chunk size, so all chunks share the alignment.
 *
 * The decoded stream is copied once into a chunk, and the same chunk is handed to every target
 * (no copy per target). A chunk returns to the pool when every target has released it, so a slow
 * target holds back the others by at most the pool's size, never more.
 */
import type { FileHandle } from 'node:fs/promises';

/**
 * 2 MiB: large enough for full-speed direct I/O and read-back, small enough that the pool (10 of
 * them, job.ts) keeps a verified one-target write under 120 MiB of RSS (docs/engine.md). At least
 * 2 MiB: the held-back first MiB and its read-back share one chunk (finish-target.ts).
 */
export const CHUNK_SIZE = 2 * 1024 * 1024;
const ALIGN_SLACK = 4096;

export interface Chunk {
  /** The chunk's bytes (length = bytes filled). */
  data: Buffer;
  /** Byte offset of data[0] in the image. */
  offset: number;
  /** Targets that still hold it. */
  refs: number;
  readonly index: number;
}

export class ChunkPool {
  private readonly slab: Buffer;
  /** The slab's memory, shared with the hash worker. */
  public readonly shared: SharedArrayBuffer;
  private readonly free: number[] = [];
  private readonly waiters: (() => void)[] = [];
  private base = 0;

  public constructor(
    public readonly count: number,
    public readonly chunkSize: number = CHUNK_SIZE,
  ) {
    this.shared = new SharedArrayBuffer(count * chunkSize + ALIGN_SLACK);
    this.slab = Buffer.from(this.shared);
    for (let i = 0; i < count; i++) this.free.push(i);
  }

  /** Byte offset of a chunk's data inside the shared slab. */
  public slabOffset(chunk: Chunk): number {
    return this.base + chunk.index * this.chunkSize;
  }

  /** A whole chunk-sized aligned buffer (not tracked; for readers). */
  public slot(i: number): Buffer {
    const start = this.base + i * this.chunkSize;
    return this.slab.subarray(start, start + this.chunkSize);
  }

  /**
   * Find an offset in the slab at which direct I/O accepts the buffer, by reading `probeLen`
   * bytes from an O_DIRECT handle at offset 0. Returns false when no offset works.
   */
  public async probeAlignment(fh: FileHandle, probeLen: number, byWriting: boolean): Promise<boolean> {
    // A read of a hole in a file succeeds whatever the alignment, so files are probed by writing
    // zeros to their first sector (a fresh temporary file of ours); devices are probed by reading.
    for (let off = 0; off < ALIGN_SLACK; off += 16) {
      try {
        if (byWriting) {
          this.slab.fill(0, off, off + probeLen);
          await fh.write(this.slab, off, probeLen, 0);
        } else await fh.read(this.slab, off, probeLen, 0);
        this.base = off;
        return true;
      } catch {
        // EINVAL: misaligned here; try the next offset.
      }
    }
    return false;
  }

  public async acquire(): Promise<Chunk> {
    for (;;) {
      const i = this.free.pop();
      if (i !== undefined) return { data: this.slot(i), offset: 0, refs: 0, index: i };
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  public release(chunk: Chunk): void {
    if (this.free.includes(chunk.index)) throw new Error(`bug: chunk ${chunk.index} released twice`);
    this.free.push(chunk.index);
    this.waiters.shift()?.();
  }

  /** Drop one reference; returns the chunk to the pool at zero. */
  public unref(chunk: Chunk): void {
    chunk.refs -= 1;
    if (chunk.refs <= 0) this.release(chunk);
  }
}
