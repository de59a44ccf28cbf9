/**
 * Run an external decompressor (xz, zstd, lbzip2, bzip2): compressed bytes go to its stdin (or it
 * reads the local file itself), decoded bytes come from its stdout, and the data ends only after
 * the tool exited 0. Any other exit becomes a FlashError built from the tool's stderr, so a
 * truncated or corrupt file can never look like a short success. Destroying it kills the tool.
 *
 * The tool's stdout is one end of a Unix socket pair whose other end this process reads with
 * `onread` into buffers it chooses: as a SlabReader the decoded bytes land straight in the write
 * pipeline's chunks (reads of up to the socket buffer, ~200 KiB, instead of a 64 KiB pipe read, a
 * Buffer and three stream hops each; see docs/engine.md "Profile"). It is also a Readable for
 * every other consumer. Where no socket pair can be made, stdout is an ordinary pipe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { FlashError, isFlashError } from '../errors.js';
import type { SlabReadable, SlabReader } from './slab-reader.js';

export interface SpawnDecoderSpec {
  readonly command: string;
  readonly args: readonly string[];
  /** Turn a failed run (its stderr, exit code, signal) into the FlashError to report. */
  readonly classify: (stderr: string, code: number | null, signal: NodeJS.Signals | null) => FlashError;
  /**
   * A local file the tool reads itself (its stdin is the file): no bytes pass through this
   * process on the way in. `input` is then not read (it is destroyed).
   */
  readonly file?: string | undefined;
}

const STDERR_MAX = 8192;
/** Where a read lands when no caller buffer is waiting (larger than a Unix socket's buffer). */
const SCRATCH = 256 * 1024;
/** Decoded bytes held before anyone reads them; the tool is paused beyond that. */
const PENDING_MAX = 1 << 20;

type OnRead = { buffer: () => Uint8Array; callback: (n: number, buf: Uint8Array) => boolean };

/**
 * A connected Unix socket pair: `reader` here (reading through `onread`), `writer` for the child.
 * The socket file lives in a fresh private (0700) directory, removed once connected, so no other
 * user can connect in our place (an abstract socket has no permissions at all).
 */
async function socketPair(onread: OnRead): Promise<{ reader: net.Socket; writer: net.Socket }> {
  const dir = await mkdtemp(join(tmpdir(), '3os-dec-'));
  const path = join(dir, 's');
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    const accepted = new Promise<net.Socket>((resolve, reject) => {
      server.once('connection', resolve);
      server.once('error', reject);
    });
    const reader = net.connect({ path, onread });
    const connected = new Promise<void>((resolve, reject) => {
      reader.once('connect', resolve);
      reader.once('error', reject);
    });
    try {
      const [writer] = await Promise.all([accepted, connected]);
      return { reader, writer };
    } catch (e) {
      reader.destroy();
      throw e;
    }
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Fill {
  readonly buf: Buffer;
  filled: number;
  readonly resolve: (n: number) => void;
  readonly reject: (e: Error) => void;
}

export class SpawnedDecoder extends Readable implements SlabReadable {
  private child: ChildProcess | undefined;
  /** The decoded bytes' socket (or the child's stdout pipe as a fallback). */
  private out: Readable | undefined;
  private stderr = '';
  private inputError: Error | undefined;
  private exited = false;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private outEnded = false;
  /** The tool exited 0 and every byte it wrote was read. */
  private complete = false;
  private failure: Error | undefined;
  private mode: 'undecided' | 'stream' | 'slab' = 'undecided';
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private target: Fill | undefined;
  private readonly scratch = Buffer.allocUnsafe(SCRATCH);
  private readonly started: Promise<void>;
  private markGone: () => void = () => undefined;
  private readonly childGone = new Promise<void>((resolve) => (this.markGone = resolve));

  public constructor(
    private readonly input: Readable,
    private readonly spec: SpawnDecoderSpec,
  ) {
    super({ highWaterMark: 1 << 20 });
    const fd = spec.file === undefined ? undefined : openSync(spec.file, 'r');
    this.started = this.start(fd).catch((e: unknown) => {
      this.fail(e instanceof Error ? e : new Error(String(e)));
      this.markGone();
    });
  }

  /** The decoded bytes straight into caller buffers; undefined once the stream has been read. */
  public claimSlabReader(): SlabReader | undefined {
    if (this.mode === 'stream') return undefined;
    this.mode = 'slab';
    return { fill: (buf) => this.fill(buf) };
  }

  /** Kill the tool (if still running) and wait until it is gone. */
  public async shutdown(): Promise<void> {
    this.destroy();
    await this.started;
    await this.childGone;
  }

  private async start(fd: number | undefined): Promise<void> {
    let pair: { reader: net.Socket; writer: net.Socket } | undefined;
    if (process.platform !== 'win32') {
      try {
        pair = await socketPair({ buffer: () => this.nextBuffer(), callback: (n, buf) => this.onBytes(n, buf, false) });
      } catch {
        pair = undefined;
      }
    }
    if (this.destroyed) {
      if (fd !== undefined) closeSync(fd);
      pair?.reader.destroy();
      pair?.writer.destroy();
      this.input.destroy();
      this.markGone();
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(this.spec.command, [...this.spec.args], { stdio: [fd ?? 'pipe', pair?.writer ?? 'pipe', 'pipe'] });
    } finally {
      if (fd !== undefined) closeSync(fd);
      // The child has its own copy; the tool's exit must be the only way the socket ends.
      pair?.writer.destroy();
    }
    this.child = child;
    child.once('close', () => this.markGone());
    child.once('error', (e) => {
      this.exited = true;
      this.markGone();
      this.fail(new FlashError('E_FORMAT_UNKNOWN', `cannot run ${this.spec.command}: ${e.message}`, { phase: 'decompress', cause: e }));
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      if (this.stderr.length < STDERR_MAX) this.stderr += s;
    });
    const out: Readable | null = pair?.reader ?? child.stdout;
    if (out === null) throw new Error('bug: the decoder has no output');
    this.out = out;
    if (pair === undefined) {
      out.on('data', (b: Buffer) => {
        if (!this.onBytes(b.length, b, true)) out.pause();
      });
    }
    out.on('error', (e) => this.fail(e));
    out.once('end', () => {
      this.outEnded = true;
      this.settle();
    });
    if (pair !== undefined) out.resume();
    child.once('close', (code, signal) => {
      this.exited = true;
      this.exit = { code, signal };
      this.settle();
    });
    // An EPIPE on stdin only means the tool stopped reading (it failed, or is done): its exit code
    // tells which. A failure of the source itself (network, disk) wins over the tool's complaint.
    const stdin = child.stdin;
    if (stdin === null) {
      this.input.destroy();
      return;
    }
    stdin.on('error', () => undefined);
    pipeline(this.input, stdin, (err) => {
      if (err === undefined || err === null) return;
      if (isFlashError(err) || !isPipeError(err)) {
        this.inputError = err;
        if (!this.exited) child.kill('SIGTERM');
      }
    });
  }

  /** Judge the run once the tool exited (and, for success, all its output was read). */
  private settle(): void {
    if (this.complete || this.failure !== undefined || this.exit === undefined) return;
    const { code, signal } = this.exit;
    if (this.inputError !== undefined) return this.fail(this.inputError);
    if (code !== 0) return this.fail(this.spec.classify(this.stderr.trim(), code, signal));
    if (!this.outEnded) return;
    this.complete = true;
    if (this.mode === 'stream') this.flushToStream();
    else if (this.target !== undefined) this.finishFill();
  }

  private fail(e: Error): void {
    if (this.failure !== undefined || this.destroyed) return;
    this.failure = e;
    const t = this.target;
    this.target = undefined;
    t?.reject(e);
    // Only a stream reader listens for 'error'; the slab reader gets it from fill().
    if (this.mode === 'stream') this.destroy(e);
    else if (this.mode === 'slab') this.destroy();
  }

  /** Where the next read lands: the waiting caller buffer, else the scratch buffer. */
  private nextBuffer(): Uint8Array {
    const t = this.target;
    return t !== undefined && t.filled < t.buf.length ? t.buf.subarray(t.filled) : this.scratch;
  }

  /** `n` bytes arrived in `buf` (`owned`: a fresh buffer nobody reuses). Returns false to pause the tool's output. */
  private onBytes(n: number, buf: Uint8Array, owned: boolean): boolean {
    const t = this.target;
    if (t !== undefined && buf.buffer === t.buf.buffer && buf.byteOffset === t.buf.byteOffset + t.filled) {
      t.filled += n;
    } else {
      const data = Buffer.from(buf.buffer, buf.byteOffset, n);
      if (this.mode === 'stream') return this.push(owned ? data : Buffer.from(data));
      let used = 0;
      if (t !== undefined) {
        used = Math.min(n, t.buf.length - t.filled);
        data.copy(t.buf, t.filled, 0, used);
        t.filled += used;
      }
      if (used < n) {
        this.pending.push(Buffer.from(data.subarray(used)));
        this.pendingBytes += n - used;
      }
    }
    if (t !== undefined && t.filled === t.buf.length) {
      this.finishFill();
      return false;
    }
    return this.target !== undefined || this.pendingBytes < PENDING_MAX;
  }

  private finishFill(): void {
    const t = this.target;
    this.target = undefined;
    t?.resolve(t.filled);
  }

  /** Move held bytes into `t`; returns true when `t` is full. */
  private takePending(t: Fill): boolean {
    while (this.pending.length > 0 && t.filled < t.buf.length) {
      const p = this.pending[0] as Buffer;
      const n = Math.min(p.length, t.buf.length - t.filled);
      p.copy(t.buf, t.filled, 0, n);
      t.filled += n;
      this.pendingBytes -= n;
      if (n === p.length) this.pending.shift();
      else this.pending[0] = p.subarray(n);
    }
    return t.filled === t.buf.length;
  }

  private fill(buf: Buffer): Promise<number> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.target !== undefined) return Promise.reject(new Error('bug: SpawnedDecoder.fill called twice at once'));
    return new Promise<number>((resolve, reject) => {
      const t: Fill = { buf, filled: 0, resolve, reject };
      if (this.takePending(t) || this.complete) return resolve(t.filled);
      if (this.destroyed) return reject(new FlashError('E_CANCELLED', 'cancelled', { phase: 'source' }));
      this.target = t;
      this.out?.resume();
    });
  }

  private flushToStream(): void {
    for (const p of this.pending.splice(0)) this.push(p);
    this.pendingBytes = 0;
    if (this.complete) this.push(null);
  }

  public override _read(): void {
    if (this.mode === 'slab') return;
    this.mode = 'stream';
    if (this.failure !== undefined) {
      this.destroy(this.failure);
      return;
    }
    this.flushToStream();
    this.out?.resume();
  }

  public override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (this.child !== undefined && !this.exited) this.child.kill('SIGKILL');
    this.out?.destroy();
    this.input.destroy();
    const t = this.target;
    this.target = undefined;
    t?.reject(err ?? this.failure ?? new FlashError('E_CANCELLED', 'cancelled', { phase: 'source' }));
    cb(err);
  }
}

function isPipeError(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/** Short form of a tool's stderr for a one-line message. */
export function firstLine(stderr: string): string {
  const line = stderr.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
