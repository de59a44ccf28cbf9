/**
 * Where a backup's image bytes go: a sparse raw file (only mapped data is written, holes stay
 * holes) or a compressor tool fed the whole image in order (zstd -T0, xz -T0, pigz; zlib gzip
 * when pigz is missing), its output hashed on the way to the file. Unmapped space reaches the
 * compressor as zeros, so any decoder reproduces the full-size image. Errors of the output
 * (disk full, a tool that died) surface on the next write: reading stops at once.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, promises as fsp, constants as fsc } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { FlashError, isFlashError, sysCode } from '../errors.js';
import { hasTool } from '../source/tools.js';

export type BackupFormat = 'raw' | 'zst' | 'xz' | 'gz';

export const BACKUP_FORMATS: readonly BackupFormat[] = ['raw', 'zst', 'xz', 'gz'];

/** The format an output name asks for (by its last extension); raw for anything else. */
export function formatFromName(path: string): BackupFormat {
  const m = /\.(zst|zstd|xz|gz|gzip)$/i.exec(path);
  const ext = m?.[1]?.toLowerCase();
  if (ext === 'zst' || ext === 'zstd') return 'zst';
  if (ext === 'xz') return 'xz';
  if (ext === 'gz' || ext === 'gzip') return 'gz';
  return 'raw';
}

/** An output error as the user should see it (disk full is its own code). */
export function outputError(e: unknown, path: string, offset?: number): FlashError {
  if (isFlashError(e)) return e;
  const c = sysCode(e);
  if (c === 'ENOSPC' || c === 'EDQUOT' || c === 'EFBIG') {
    return new FlashError('E_OUTPUT_FULL', `the destination of ${path} is full (${c})`, { target: path, phase: 'write', offset, cause: e });
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new FlashError('E_WRITE_IO', `cannot write ${path}: ${msg}`, { target: path, phase: 'write', offset, cause: e });
}

export interface Sink {
  /** Which encoder runs, for reports ("zstd -T0"). */
  readonly encoder: string;
  /** Image bytes at `offset` (increasing, non-overlapping); the space before it is zeros. `data` may be reused once this resolves. */
  write(offset: number, data: Buffer): Promise<void>;
  /** Pad to `size`, close, and return the SHA-256 and size of the file as written. */
  finish(size: number): Promise<{ sha256: string; bytes: number }>;
  /** Stop and close (the caller removes the file). */
  abort(): Promise<void>;
}

const ZERO_CHUNK = Buffer.alloc(4 << 20);

class RawSink implements Sink {
  public readonly encoder = 'none (sparse raw)';
  private readonly hash = createHash('sha256');
  private pos = 0;

  public constructor(
    private readonly fh: fsp.FileHandle,
    private readonly path: string,
  ) {}

  private hashZeros(to: number): void {
    while (this.pos < to) {
      const n = Math.min(ZERO_CHUNK.length, to - this.pos);
      this.hash.update(ZERO_CHUNK.subarray(0, n));
      this.pos += n;
    }
  }

  public async write(offset: number, data: Buffer): Promise<void> {
    this.hashZeros(offset);
    let done = 0;
    try {
      while (done < data.length) done += (await this.fh.write(data, done, data.length - done, offset + done)).bytesWritten;
    } catch (e) {
      throw outputError(e, this.path, offset + done);
    }
    this.hash.update(data);
    this.pos = offset + data.length;
  }

  public async finish(size: number): Promise<{ sha256: string; bytes: number }> {
    this.hashZeros(size);
    try {
      await this.fh.truncate(size);
      await this.fh.sync();
      await this.fh.close();
    } catch (e) {
      throw outputError(e, this.path, size);
    }
    return { sha256: this.hash.digest('hex'), bytes: size };
  }

  public async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

/** A running compressor: raw image bytes in, compressed bytes out. */
interface Encoder {
  readonly input: Writable;
  readonly output: NodeJS.ReadableStream;
  /** Resolves when it ended well; rejects with the reason otherwise. */
  readonly exited: Promise<void>;
  kill(): void;
}

/** zstd: gaps at least this long are written as our own frames of zeros (between encoder runs). */
const ZERO_FRAME_MIN = 32 << 20;
/** Bytes queued for the compressor before the reader waits. */
const QUEUE_MAX = 32 << 20;
const RLE_BLOCK = 128 << 10;

/**
 * A zstd frame of `n` zero bytes made of RLE blocks (RFC 8878 3.1.1.2): 4 bytes per 128 KiB, so a
 * gap of free space costs nothing to compress. zstd decodes concatenated frames as one stream.
 */
export function zstdZeroFrame(n: number): Buffer {
  const blocks = Math.max(1, Math.ceil(n / RLE_BLOCK));
  const out = Buffer.alloc(14 + blocks * 4);
  out.writeUInt32LE(0xfd2fb528, 0);
  out[4] = 0xc0; // Frame_Content_Size in 8 bytes; not single-segment; no checksum, no dictionary
  out[5] = 7 << 3; // Window_Descriptor: 128 KiB
  out.writeBigUInt64LE(BigInt(n), 6);
  let left = n;
  for (let i = 0; i < blocks; i++) {
    const size = Math.min(RLE_BLOCK, left);
    left -= size;
    const header = ((i === blocks - 1 ? 1 : 0) | (1 << 1) | (size << 3)) >>> 0; // Last_Block, RLE, Block_Size
    out.writeUIntLE(header, 14 + i * 4, 3);
    out[14 + i * 4 + 3] = 0;
  }
  return out;
}

class StreamSink implements Sink {
  private pos = 0;
  private failed: FlashError | undefined;
  private readonly hash = createHash('sha256');
  private outBytes = 0;
  private readonly file: ReturnType<typeof createWriteStream>;
  private current: { enc: Encoder; drained: Promise<void> } | undefined;

  public constructor(
    public readonly encoder: string,
    private readonly spawnEncoder: () => Encoder,
    private readonly path: string,
    /** Our own compressed form of n zero bytes (zstd), for long gaps; undefined: zeros go through the encoder. */
    private readonly zeroFrame: ((n: number) => Buffer) | undefined,
  ) {
    this.file = createWriteStream(path, { flags: 'w' });
    this.file.on('error', (e) => this.fail(outputError(e, path)));
    this.file.once('close', () => this.current?.enc.output.resume());
  }

  private fail(e: FlashError): void {
    if (this.failed !== undefined) return;
    this.failed = e;
    this.current?.enc.kill();
    // A paused output (waiting for a file that will never drain) must still reach its end.
    this.current?.enc.output.resume();
  }

  private check(): void {
    const f = this.failed;
    if (f !== undefined) throw f;
  }

  /** Compressed bytes to the file, hashed, with backpressure on `from`. */
  private emit(chunk: Buffer, from?: NodeJS.ReadableStream): void {
    if (this.failed !== undefined) return;
    this.hash.update(chunk);
    this.outBytes += chunk.length;
    if (!this.file.write(chunk) && from !== undefined) {
      from.pause();
      this.file.once('drain', () => from.resume());
    }
  }

  private started(): Encoder {
    if (this.current !== undefined) return this.current.enc;
    const enc = this.spawnEncoder();
    enc.input.on('error', (e) => this.fail(outputError(e, this.path)));
    const drained = new Promise<void>((resolve) => {
      enc.output.on('data', (c: Buffer) => this.emit(c, enc.output));
      enc.output.once('end', () => resolve());
      enc.output.once('error', (e: Error) => {
        this.fail(outputError(e, this.path));
        resolve();
      });
      enc.output.once('close', () => resolve());
    });
    enc.exited.catch((e: unknown) => this.fail(outputError(e, this.path)));
    this.current = { enc, drained };
    return enc;
  }

  /** End the running encoder and wait until all it wrote is in the file. */
  private async ended(): Promise<void> {
    const c = this.current;
    if (c === undefined) return;
    this.current = undefined;
    c.enc.input.end();
    await c.enc.exited.catch(() => undefined);
    await c.drained;
    this.check();
  }

  private async push(data: Buffer): Promise<void> {
    this.check();
    const input = this.started().input;
    // Let up to QUEUE_MAX wait in the pipe's queue: the reader goes on while the tool compresses.
    if (input.write(data) || input.writableLength < QUEUE_MAX) return;
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (this.failed !== undefined) {
          clearInterval(t);
          resolve();
        }
      }, 100);
      input.once('drain', () => {
        clearInterval(t);
        resolve();
      });
    });
    this.check();
  }

  private async zerosTo(to: number): Promise<void> {
    if (this.zeroFrame !== undefined && to - this.pos >= ZERO_FRAME_MIN) {
      await this.ended();
      this.emit(this.zeroFrame(to - this.pos));
      this.pos = to;
      return;
    }
    while (this.pos < to) {
      const n = Math.min(ZERO_CHUNK.length, to - this.pos);
      await this.push(ZERO_CHUNK.subarray(0, n));
      this.pos += n;
    }
  }

  public async write(offset: number, data: Buffer): Promise<void> {
    await this.zerosTo(offset);
    // A stream keeps a reference to what it was given until it is written out, and the caller
    // reuses its read buffer: hand over a copy.
    await this.push(Buffer.from(data));
    this.pos = offset + data.length;
  }

  public async finish(size: number): Promise<{ sha256: string; bytes: number }> {
    await this.zerosTo(size);
    // An image with no data at all still decodes to its size.
    if (this.outBytes === 0 && this.current === undefined) this.started();
    await this.ended();
    this.check();
    await finished(this.file.end()).catch((e: unknown) => this.fail(outputError(e, this.path)));
    this.check();
    return { sha256: this.hash.digest('hex'), bytes: this.outBytes };
  }

  public async abort(): Promise<void> {
    this.fail(new FlashError('E_CANCELLED', 'stopped', { phase: 'write' }));
    const c = this.current;
    this.current = undefined;
    if (c !== undefined) {
      c.enc.input.destroy();
      await c.enc.exited.catch(() => undefined);
    }
    this.file.destroy();
    await finished(this.file).catch(() => undefined);
  }
}

function toolEncoder(command: string, args: readonly string[], path: string): () => Encoder {
  return () => {
    const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (stderr.length < 4096) stderr += s;
    });
    let killed = false;
    const exited = new Promise<void>((resolve, reject) => {
      child.once('error', (e) => reject(new FlashError('E_WRITE_IO', `cannot run ${command}: ${e.message}`, { target: path, phase: 'write', cause: e })));
      child.once('close', (code, signal) => {
        if (code === 0 || killed) resolve();
        else reject(new FlashError('E_WRITE_IO', `${command} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n')[0] ?? ''}`, { target: path, phase: 'write' }));
      });
    });
    return {
      input: child.stdin,
      output: child.stdout,
      exited,
      kill: () => {
        killed = true;
        child.kill('SIGKILL');
      },
    };
  };
}

function toolSink(command: string, args: readonly string[], path: string, zeroFrame?: (n: number) => Buffer): Sink {
  const label = `${command} ${args.filter((a) => a.startsWith('-T') || a.startsWith('-p')).join(' ')}`.trim();
  return new StreamSink(label, toolEncoder(command, args, path), path, zeroFrame);
}

/**
 * Open the sink for `format` writing `path` (created; an existing file there is replaced: the
 * caller names a fresh partial file).
 */
export async function openSink(format: BackupFormat, path: string): Promise<Sink> {
  switch (format) {
    case 'raw': {
      let fh;
      try {
        fh = await fsp.open(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC);
      } catch (e) {
        throw outputError(e, path);
      }
      return new RawSink(fh, path);
    }
    case 'zst':
      if (!(await hasTool('zstd'))) throw new FlashError('E_FORMAT_UNKNOWN', 'a .zst backup needs the zstd tool: install zstd', { phase: 'write' });
      return toolSink('zstd', ['-q', '-c', '-T0'], path, zstdZeroFrame);
    case 'xz':
      if (!(await hasTool('xz'))) throw new FlashError('E_FORMAT_UNKNOWN', 'an .xz backup needs the xz tool: install xz-utils', { phase: 'write' });
      return toolSink('xz', ['-c', '-T0'], path);
    case 'gz': {
      if (await hasTool('pigz')) return toolSink('pigz', ['-c'], path);
      return new StreamSink('zlib gzip', () => {
        const gz = createGzip({ chunkSize: 1 << 20 });
        const exited = new Promise<void>((resolve, reject) => {
          gz.once('end', () => resolve());
          gz.once('error', reject);
        });
        return { input: gz, output: gz, exited, kill: () => gz.destroy() };
      }, path, undefined);
    }
  }
}
