/**
 * The backup engine: read a source drive by its usage map (usage.ts), store only what is in use
 * into an image (sparse raw or compressed through a multi-threaded tool: sink.ts), describe it
 * with a bmap 2.0 (SHA-256 per range) and a .sha256 of the output, verify it by decoding the
 * output again and checking every range's hash, and only then give it its real name.
 *
 * Nothing is half-done: the image and bmap are written under `.partial` names and renamed at
 * the end; on any failure (source EIO, destination full, Ctrl-C) they are removed and the error
 * says which. The source is opened read-only (source.ts) and never written.
 */
import { createHash, type Hash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import type { DiskIO } from '../disk-io.js';
import { FlashError, isFlashError, sysCode } from '../errors.js';
import { SpeedMeter, type JobEvent } from '../progress.js';
import { openImage } from '../source/open-image.js';
import { parseBmap } from '../source/bmap.js';
import { bmapByteRanges, RangeCursor } from '../write/bmap-ranges.js';
import type { WrapIO, TargetIO } from '../write/job-types.js';
import { renderBmap, type MappedRange } from './bmap-write.js';
import { openSink, outputError, type BackupFormat, type Sink } from './sink.js';
import { guardBackup } from '../guard/backup.js';
import type { BackupSource, OpenSourceOptions } from './source.js';
import { normalizeRegions, type Region, type UsageMap } from './usage.js';

/** bmap block size: the granularity of the map and of zero detection. */
export const BACKUP_BLOCK = 4096;
const READ_CHUNK = 4 << 20;
const ZERO_BLOCK = Buffer.alloc(BACKUP_BLOCK);

export interface BackupSpec {
  readonly source: string;
  readonly output: string;
  readonly format: BackupFormat;
  readonly verify: boolean;
  /** Replace an existing output file. */
  readonly force?: boolean | undefined;
}

export interface BackupOptions extends OpenSourceOptions {
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((e: JobEvent) => void) | undefined;
  /** What is in use on the source (provisioning/backup); absent or failing: zero detection of the whole disk. */
  readonly usage?: ((disk: DiskIO) => Promise<UsageMap>) | undefined;
  /** What to store in the metadata sidecar about the disk (its 3os image and config), read before the copy. */
  readonly describe?: ((disk: DiskIO) => Promise<Record<string, unknown>>) | undefined;
  /** Test hook: wrap the source's reads (fault injection; testkit/fault-io.ts). */
  readonly wrapIO?: WrapIO | undefined;
}

/** The metadata sidecar beside a backup (FILE.backup.json): what `inspect` shows. */
export interface BackupInfo {
  readonly kind: '3os-flash-backup';
  readonly version: 1;
  readonly created: string;
  readonly source: { readonly path: string; readonly size: number; readonly sectorSize: number; readonly model?: string | undefined; readonly vendor?: string | undefined; readonly serial?: string | undefined; readonly bus?: string | undefined };
  readonly output: { readonly file: string; readonly format: BackupFormat; readonly encoder: string; readonly bytes: number; readonly sha256: string; readonly bmap: string };
  readonly map: { readonly method: string; readonly understood: boolean; readonly blockSize: number; readonly mappedBytes: number; readonly readBytes: number; readonly notes: readonly string[] };
  readonly verified: boolean;
  readonly seconds: number;
  readonly disk?: Record<string, unknown> | undefined;
}

export interface BackupResult {
  readonly info: BackupInfo;
  readonly output: string;
  readonly bmap: string;
  readonly sha256File: string;
  readonly infoFile: string;
  readonly warnings: readonly string[];
}

/** The metadata sidecar of a backup file, when there is one beside it (undefined: none, or not ours). */
export async function readBackupInfo(path: string): Promise<BackupInfo | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(backupFiles(path).info, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const j = JSON.parse(text) as Partial<BackupInfo> | null;
    return j !== null && typeof j === 'object' && j.kind === '3os-flash-backup' && j.version === 1 ? (j as BackupInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** Sidecar names beside an output file. */
export function backupFiles(output: string): { bmap: string; sha256: string; info: string } {
  return { bmap: `${output}.bmap`, sha256: `${output}.sha256`, info: `${output}.backup.json` };
}

function sourceError(e: unknown, path: string, offset: number): FlashError {
  if (isFlashError(e)) return e;
  const c = sysCode(e);
  if (c === 'ENXIO' || c === 'ENODEV' || c === 'ENOMEDIUM' || c === 'ENOENT') {
    return new FlashError('E_SOURCE_IO', `${path} went away while it was read, at byte ${offset} (${c})`, { target: path, phase: 'source', offset, cause: e });
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new FlashError('E_SOURCE_IO', `reading ${path} failed at byte ${offset}: ${msg}`, { target: path, phase: 'source', offset, cause: e });
}

/** Reads the source through the (possibly wrapped) handle, whole buffers or an error. */
async function readFull(io: TargetIO, path: string, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    let n: number;
    try {
      n = (await io.read(buf, done, buf.length - done, position + done)).bytesRead;
    } catch (e) {
      throw sourceError(e, path, position + done);
    }
    if (n === 0) throw new FlashError('E_SOURCE_IO', `${path} ended early at byte ${position + done} (it shrank, or went away)`, { target: path, phase: 'source', offset: position + done });
    done += n;
  }
}

class MapBuilder {
  public readonly ranges: MappedRange[] = [];
  private first = -1;
  private last = -1;
  private hash: Hash | undefined;

  /** A mapped block (its bytes, possibly short at the image's end). */
  public add(block: number, bytes: Buffer): void {
    if (this.hash !== undefined && block !== this.last + 1) this.close();
    if (this.hash === undefined) {
      this.hash = createHash('sha256');
      this.first = block;
    }
    this.hash.update(bytes);
    this.last = block;
  }

  public close(): void {
    if (this.hash === undefined) return;
    this.ranges.push({ first: this.first, last: this.last, sha256: this.hash.digest('hex') });
    this.hash = undefined;
  }
}

/** Run one backup to its end; throws a FlashError with nothing left behind but what was there. */
export async function runBackup(spec: BackupSpec, opts: BackupOptions = {}): Promise<BackupResult> {
  const onEvent = opts.onEvent ?? ((): void => undefined);
  const t0 = performance.now();
  const files = backupFiles(spec.output);
  const src = await guardBackup({ source: spec.source, outputs: [spec.output, files.bmap, files.sha256, files.info], force: spec.force, allowMounted: opts.allowMounted, list: opts.list });
  const partial = `${spec.output}.partial`;
  const partialBmap = `${files.bmap}.partial`;
  let sink: Sink | undefined;
  try {
    for (const w of src.warnings) onEvent({ kind: 'info', target: spec.source, message: `warning: ${w}` });
    const disk = await describeSafely(src, opts, onEvent);
    const usage = await usageOf(src, opts, onEvent);
    const regions = normalizeRegions(usage.regions, src.size, BACKUP_BLOCK);
    const toRead = regions.reduce((n, r) => n + (r.end - r.start), 0);
    onEvent({ kind: 'info', target: spec.source, message: `${usage.understood ? 'in use' : 'to read'}: ${toRead} of ${src.size} bytes (${usage.method})` });
    for (const n of usage.notes) onEvent({ kind: 'info', target: spec.source, message: n });

    sink = await openSink(spec.format, partial);
    const mapped = await copyRegions(src, regions, sink, spec.output, opts, onEvent);
    const written = await sink.finish(src.size);
    sink = undefined;
    const bmapBytes = renderBmap({ imageSize: src.size, blockSize: BACKUP_BLOCK, ranges: mapped.ranges, comment: `Source ${src.path}; map: ${usage.method}; metadata in ${basename(files.info)}.` });
    await writeNew(partialBmap, bmapBytes, spec.output);

    if (spec.verify) await verifyBackup(partial, partialBmap, src.size, spec.output, opts, onEvent);

    const info: BackupInfo = {
      kind: '3os-flash-backup',
      version: 1,
      created: new Date().toISOString(),
      source: { path: src.path, size: src.size, sectorSize: src.sectorSize, model: src.drive?.model, vendor: src.drive?.vendor, serial: src.drive?.serial, bus: src.drive?.bus },
      output: { file: basename(spec.output), format: spec.format, encoder: mapped.encoder, bytes: written.bytes, sha256: written.sha256, bmap: basename(files.bmap) },
      map: { method: usage.method, understood: usage.understood, blockSize: BACKUP_BLOCK, mappedBytes: mapped.bytes, readBytes: toRead, notes: usage.notes },
      verified: spec.verify,
      seconds: (performance.now() - t0) / 1000,
      disk,
    };
    await fsp.rename(partial, spec.output);
    await fsp.rename(partialBmap, files.bmap);
    await writeNew(files.sha256, Buffer.from(`${written.sha256}  ${basename(spec.output)}\n`), spec.output);
    await writeNew(files.info, Buffer.from(`${JSON.stringify(info, null, 2)}\n`), spec.output);
    return { info, output: spec.output, bmap: files.bmap, sha256File: files.sha256, infoFile: files.info, warnings: src.warnings };
  } catch (e) {
    if (sink !== undefined) await sink.abort();
    for (const p of [partial, partialBmap]) await fsp.rm(p, { force: true }).catch(() => undefined);
    const err = isFlashError(e) ? e : new FlashError('E_WRITE_IO', e instanceof Error ? e.message : String(e), { target: spec.output, phase: 'write', cause: e });
    throw new FlashError(err.code, `${err.message}; the partial backup was removed${err.code === 'E_SOURCE_IO' || err.code === 'E_CANCELLED' || err.code === 'E_OUTPUT_FULL' ? ', the source was only read' : ''}`, {
      target: err.target,
      phase: err.phase,
      offset: err.offset,
      cause: err,
    });
  } finally {
    await src.close();
  }
}

async function writeNew(path: string, data: Buffer, output: string): Promise<void> {
  try {
    await fsp.writeFile(path, data);
  } catch (e) {
    throw outputError(e, output);
  }
}

async function describeSafely(src: BackupSource, opts: BackupOptions, onEvent: (e: JobEvent) => void): Promise<Record<string, unknown> | undefined> {
  if (opts.describe === undefined) return undefined;
  try {
    return await opts.describe(src.disk);
  } catch (e) {
    onEvent({ kind: 'info', target: src.path, message: `could not read what the disk holds: ${e instanceof Error ? e.message : String(e)}` });
    return undefined;
  }
}

async function usageOf(src: BackupSource, opts: BackupOptions, onEvent: (e: JobEvent) => void): Promise<UsageMap> {
  const whole: UsageMap = {
    method: 'zero detection (the disk layout was not understood: every block is read, blocks of zeros are not stored)',
    understood: false,
    regions: [{ start: 0, end: src.size, kind: 'unknown' }],
    notes: [],
  };
  if (opts.usage === undefined) return whole;
  try {
    return await opts.usage(src.disk);
  } catch (e) {
    if (!isFlashError(e) || e.code === 'E_SOURCE_IO') throw e;
    onEvent({ kind: 'info', target: src.path, message: `not a disk layout the flasher understands (${e.message}): falling back to zero detection` });
    return whole;
  }
}

/** Read every region, store what is in use, hash each mapped range. */
async function copyRegions(
  src: BackupSource,
  regions: readonly Region[],
  sink: Sink,
  output: string,
  opts: BackupOptions,
  onEvent: (e: JobEvent) => void,
): Promise<{ ranges: MappedRange[]; bytes: number; encoder: string }> {
  const io: TargetIO = opts.wrapIO === undefined ? src.fh : opts.wrapIO(src.path, src.fh, 'buffered');
  const total = regions.reduce((n, r) => n + (r.end - r.start), 0);
  const map = new MapBuilder();
  const meter = new SpeedMeter();
  let done = 0;
  let mappedBytes = 0;
  let lastTick = 0;
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  for (const r of regions) {
    for (let at = r.start; at < r.end; ) {
      if (opts.signal?.aborted === true) throw new FlashError('E_CANCELLED', 'cancelled', { target: output, phase: 'write', offset: at });
      const n = Math.min(READ_CHUNK, r.end - at);
      const chunk = buf.subarray(0, n);
      await readFull(io, src.path, chunk, at);
      // Runs of mapped blocks go to the sink as one write.
      let runStart = -1;
      const flush = async (end: number): Promise<void> => {
        if (runStart < 0) return;
        await sink.write(at + runStart, chunk.subarray(runStart, end));
        runStart = -1;
      };
      for (let o = 0; o < n; o += BACKUP_BLOCK) {
        const e = Math.min(o + BACKUP_BLOCK, n);
        const block = chunk.subarray(o, e);
        const keep = r.kind === 'used' || !block.equals(e - o === BACKUP_BLOCK ? ZERO_BLOCK : ZERO_BLOCK.subarray(0, e - o));
        if (keep) {
          map.add((at + o) / BACKUP_BLOCK, block);
          mappedBytes += e - o;
          if (runStart < 0) runStart = o;
        } else await flush(o);
      }
      await flush(n);
      at += n;
      done += n;
      const now = performance.now();
      if (now - lastTick > 250) {
        lastTick = now;
        const speed = meter.update(done);
        onEvent({ kind: 'progress', target: output, phase: 'write', bytes: done, total, speed, eta: meter.eta(done, total) });
      }
    }
  }
  map.close();
  return { ranges: map.ranges, bytes: mappedBytes, encoder: sink.encoder };
}

/** Decode the written output and check every mapped range's SHA-256 against the bmap. */
export async function verifyBackup(image: string, bmapPath: string, size: number, output: string, opts: Pick<BackupOptions, 'signal'>, onEvent: (e: JobEvent) => void): Promise<void> {
  const bmap = parseBmap(await fsp.readFile(bmapPath));
  const cursor = new RangeCursor(bmapByteRanges(bmap), bmap.checksumType);
  const img = await openImage(image, { signal: opts.signal });
  const meter = new SpeedMeter();
  let pos = 0;
  let lastTick = 0;
  try {
    for await (const chunk of img.stream as AsyncIterable<Buffer>) {
      try {
        cursor.take(pos, chunk);
      } catch (e) {
        throw new FlashError('E_VERIFY_MISMATCH', `the backup does not read back as it was made: ${isFlashError(e) ? e.message : String(e)}`, { target: output, phase: 'verify', offset: pos });
      }
      pos += chunk.length;
      const now = performance.now();
      if (now - lastTick > 250) {
        lastTick = now;
        const speed = meter.update(pos);
        onEvent({ kind: 'progress', target: output, phase: 'verify', bytes: pos, total: size, speed, eta: meter.eta(pos, size) });
      }
    }
    try {
      cursor.finish();
    } catch (e) {
      throw new FlashError('E_VERIFY_MISMATCH', `the backup does not read back as it was made: ${isFlashError(e) ? e.message : String(e)}`, { target: output, phase: 'verify', offset: pos });
    }
    if (pos !== size) throw new FlashError('E_VERIFY_MISMATCH', `the backup decodes to ${pos} bytes, the source has ${size}`, { target: output, phase: 'verify', offset: pos });
  } finally {
    await img.close();
  }
}
