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
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
  /** Image bytes at `offset` (increasing, non-overlapping); the space before it is zeros. */
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

class StreamSink implements Sink {
  private pos = 0;
  private failed: FlashError | undefined;
  private readonly done: Promise<void>;
  private readonly hash = createHash('sha256');
  private outBytes = 0;
  private readonly exited: Promise<void>;

  public constructor(
    public readonly encoder: string,
    private readonly input: Writable,
    output: NodeJS.ReadableStream,
    path: string,
    exited: Promise<void>,
    private readonly kill: () => void,
  ) {
    const tap = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.hash.update(chunk);
        this.outBytes += chunk.length;
        cb(null, chunk);
      },
    });
    this.exited = exited.catch((e: unknown) => this.fail(outputError(e, path)));
    this.done = pipeline(output, tap, createWriteStream(path, { flags: 'w' })).catch((e: unknown) => this.fail(outputError(e, path)));
    input.on('error', (e) => this.fail(outputError(e, path)));
  }

  private fail(e: FlashError): void {
    if (this.failed !== undefined) return;
    this.failed = e;
    this.kill();
  }

  private check(): void {
    const f = this.failed;
    if (f !== undefined) throw f;
  }

  private async push(data: Buffer): Promise<void> {
    this.check();
    if (this.input.write(data)) return;
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (this.failed !== undefined) {
          clearInterval(t);
          resolve();
        }
      }, 100);
      this.input.once('drain', () => {
        clearInterval(t);
        resolve();
      });
    });
    this.check();
  }

  private async zerosTo(to: number): Promise<void> {
    while (this.pos < to) {
      const n = Math.min(ZERO_CHUNK.length, to - this.pos);
      await this.push(ZERO_CHUNK.subarray(0, n));
      this.pos += n;
    }
  }

  public async write(offset: number, data: Buffer): Promise<void> {
    await this.zerosTo(offset);
    await this.push(data);
    this.pos = offset + data.length;
  }

  public async finish(size: number): Promise<{ sha256: string; bytes: number }> {
    await this.zerosTo(size);
    this.input.end();
    await this.exited;
    await this.done;
    this.check();
    return { sha256: this.hash.digest('hex'), bytes: this.outBytes };
  }

  public async abort(): Promise<void> {
    this.fail(new FlashError('E_CANCELLED', 'stopped', { phase: 'write' }));
    this.input.destroy();
    await this.exited;
    await this.done;
  }
}

function spawnEncoder(command: string, args: readonly string[], path: string): Sink {
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
  return new StreamSink(`${command} ${args.filter((a) => a.startsWith('-T') || a.startsWith('-p')).join(' ')}`.trim(), child.stdin, child.stdout, path, exited, () => {
    killed = true;
    child.kill('SIGKILL');
  });
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
      return spawnEncoder('zstd', ['-q', '-c', '-T0'], path);
    case 'xz':
      if (!(await hasTool('xz'))) throw new FlashError('E_FORMAT_UNKNOWN', 'an .xz backup needs the xz tool: install xz-utils', { phase: 'write' });
      return spawnEncoder('xz', ['-c', '-T0'], path);
    case 'gz': {
      if (await hasTool('pigz')) return spawnEncoder('pigz', ['-c'], path);
      const gz = createGzip({ chunkSize: 1 << 20 });
      return new StreamSink('zlib gzip', gz, gz, path, Promise.resolve(), () => gz.destroy());
    }
  }
}
