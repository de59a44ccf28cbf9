/**
 * Feeds one target from the shared chunks: its own queue, several writes in flight, and its own
 * failure. A failing target releases its chunks and stops; the others never notice.
 */
import { FlashError, fromIoError } from '../errors.js';
import type { ByteRange } from './bmap-ranges.js';
import type { Chunk, ChunkPool } from './chunk-pool.js';
import type { WriteTarget } from './target.js';

const ZERO = Buffer.alloc(4 * 1024 * 1024);

function isZero(b: Buffer): boolean {
  for (let off = 0; off < b.length; off += ZERO.length) {
    const part = b.subarray(off, Math.min(off + ZERO.length, b.length));
    if (!part.equals(ZERO.subarray(0, part.length))) return false;
  }
  return true;
}

interface Job {
  readonly chunk: Chunk;
  readonly pieces: readonly ByteRange[];
}

export class TargetWriter {
  public error: FlashError | undefined;
  public bytesWritten = 0;
  private readonly queue: Job[] = [];
  private inflight = 0;
  private idleWaiters: (() => void)[] = [];

  public constructor(
    public readonly target: WriteTarget,
    private readonly pool: ChunkPool,
    private readonly depth: number,
    /** Holes need no writing: the target is a fresh sparse file. */
    private readonly skipZeros: boolean,
    /** Runs once before the first byte is written (the head/tail wipe). */
    private readonly beforeFirstWrite: () => Promise<void> = () => Promise.resolve(),
  ) {}

  private begun: Promise<void> | undefined;
  /** The before-first-write step has finished: the write loop no longer waits on it. */
  private ready = false;

  /** Run the before-first-write step now (idempotent): also for a target that got no chunk. */
  public start(): Promise<void> {
    this.begun ??= this.beforeFirstWrite().then(() => {
      this.ready = true;
    });
    return this.begun;
  }

  public get failed(): boolean {
    return this.error !== undefined;
  }

  /** Queue the mapped pieces of a chunk for writing; the chunk is released when they are done. */
  public submit(chunk: Chunk, pieces: readonly ByteRange[]): void {
    if (this.failed) return;
    chunk.refs += 1;
    this.queue.push({ chunk, pieces });
    this.kick();
  }

  public fail(e: unknown, offset?: number): void {
    if (this.error !== undefined) return;
    this.error = fromIoError(e, this.target.path, 'write', offset);
    for (const j of this.queue.splice(0)) this.pool.unref(j.chunk);
    this.wakeIfIdle();
  }

  /** Resolves when everything queued so far is written (or the target failed). */
  public async idle(): Promise<void> {
    if (this.queue.length === 0 && this.inflight === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private kick(): void {
    while (!this.failed && this.inflight < this.depth && this.queue.length > 0) {
      const job = this.queue.shift();
      if (job === undefined) break;
      this.inflight += 1;
      void this.run(job);
    }
  }

  private async run(job: Job): Promise<void> {
    const { chunk } = job;
    let at: number | undefined;
    try {
      if (!this.ready) {
        at = 0;
        await this.start();
      }
      for (const p of job.pieces) {
        if (this.failed) break;
        at = p.start;
        const data = chunk.data.subarray(p.start - chunk.offset, p.end - chunk.offset);
        if (!(this.skipZeros && isZero(data))) await this.target.writeAt(data, p.start, true);
        this.bytesWritten += data.length;
      }
    } catch (e) {
      this.fail(e, at);
    } finally {
      this.pool.unref(chunk);
      this.inflight -= 1;
      this.kick();
      this.wakeIfIdle();
    }
  }

  private wakeIfIdle(): void {
    if ((this.queue.length === 0 && this.inflight === 0) || (this.failed && this.inflight === 0)) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }
}
