/**
 * Run an external decompressor (xz, zstd, lbzip2, bzip2) as a stream: compressed bytes go to its
 * stdin, decoded bytes come from its stdout with backpressure, and the stream ends only after the
 * tool exited 0. Any other exit becomes a FlashError built from the tool's stderr, so a truncated
 * or corrupt file can never look like a short success. Destroying the stream kills the tool.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { Readable, pipeline } from 'node:stream';
import { FlashError, isFlashError } from '../errors.js';

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

export class SpawnedDecoder extends Readable {
  private readonly child: ChildProcessByStdio<Writable | null, Readable, Readable>;
  private stderr = '';
  private inputError: Error | undefined;
  private exited = false;
  private readonly childGone: Promise<void>;

  public constructor(
    private readonly input: Readable,
    spec: SpawnDecoderSpec,
  ) {
    super({ highWaterMark: 1 << 20 });
    const fd = spec.file === undefined ? undefined : openSync(spec.file, 'r');
    try {
      this.child = spawn(spec.command, [...spec.args], { stdio: [fd ?? 'pipe', 'pipe', 'pipe'] }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const child = this.child;
    this.childGone = new Promise((resolve) => {
      child.once('close', () => resolve());
      child.once('error', () => resolve());
    });
    child.once('error', (e) => {
      this.exited = true;
      this.destroy(new FlashError('E_FORMAT_UNKNOWN', `cannot run ${spec.command}: ${e.message}`, { phase: 'decompress', cause: e }));
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (this.stderr.length < STDERR_MAX) this.stderr += s;
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.once('close', (code, signal) => {
      this.exited = true;
      if (this.destroyed) return;
      if (this.inputError !== undefined) this.destroy(this.inputError);
      else if (code === 0) this.push(null);
      else this.destroy(spec.classify(this.stderr.trim(), code, signal));
    });
    // An EPIPE on stdin only means the tool stopped reading (it failed, or is done): its exit code
    // tells which. A failure of the source itself (network, disk) wins over the tool's complaint.
    const stdin = child.stdin;
    if (stdin === null) {
      input.destroy();
      return;
    }
    stdin.on('error', () => undefined);
    pipeline(input, stdin, (err) => {
      if (err === undefined || err === null) return;
      if (isFlashError(err) || !isPipeError(err)) {
        this.inputError = err;
        if (!this.exited) child.kill('SIGTERM');
      }
    });
  }

  /** Kill the tool (if still running) and wait until it is gone. */
  public async shutdown(): Promise<void> {
    this.destroy();
    await this.childGone;
  }

  public override _read(): void {
    this.child.stdout.resume();
  }

  public override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (!this.exited) this.child.kill('SIGKILL');
    this.child.stdout.destroy();
    this.input.destroy();
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
