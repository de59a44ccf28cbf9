/**
 * One write job: a source image streamed once, fanned out to N targets, verified, and only then
 * given its partition table.
 *
 * Order per target: zero the first and last MiB (so an interrupted write never leaves an old or
 * half-new partition table that boots) -> write everything but the first MiB -> flush -> read back
 * and compare -> write the first MiB (the partition table) -> flush -> read it back. Checksums
 * (--sha256, bmap ranges) are judged when the stream ends, before any first MiB is written.
 * A target that fails stops alone, says where and why, and has its first MiB zeroed.
 */
import { open as openFile, readFile } from 'node:fs/promises';
import { gptSectorSize, openDisk } from '../disk-io.js';
import { FlashError } from '../errors.js';
import { SpeedMeter, type JobEvent } from '../progress.js';
import { openImage, type OpenedImage } from '../source/open-image.js';
import { findBmap, parseBmap } from '../source/bmap.js';
import { bmapByteRanges, type ByteRange, type BmapLike } from './bmap-ranges.js';
import { ChunkPool } from './chunk-pool.js';
import { finishTarget } from './finish-target.js';
import type { JobSummary, RunOptions, WriteJobSpec } from './job-types.js';

export type { RunOptions } from './job-types.js';
import { asFlash, HEAD_BYTES, type TargetState } from './target-state.js';
import { streamImage } from './stream-image.js';
import type { TargetHandle } from '../guard/handle.js';
import { WriteTarget } from './target.js';
import { TargetWriter } from './target-writer.js';
import { WrittenMap, xxh } from './written-map.js';

/** 10 x 2 MiB: the producer filling one, the hash worker on one or two, each target 4 writes in flight. */
const POOL_CHUNKS = 10;
const WRITE_DEPTH = 4;
/** Probe direct I/O across a page boundary: the kernel splits buffers at pages. */
const PROBE_BYTES = 8192;


/** The opened source of a job, known before any target is touched: what the guard judges targets by. */
export interface JobSource {
  readonly image: OpenedImage;
  readonly bmap: BmapLike | undefined;
  /** Decoded size, when known in advance (raw, xz index, zip, bmap, zstd header). */
  readonly size: number | undefined;
  /** The sector size the image's GPT was built for, when it can be read before writing (raw local images). */
  readonly sectorSize: number | undefined;
  close(): Promise<void>;
}

/**
 * RunOptions of a job whose source is no image file: `clone` reads a drive by its in-use map
 * (provisioning/backup/clone-source.ts) and hands the job that source instead.
 */
export interface JobRunOptions extends RunOptions {
  readonly openSource?: ((spec: WriteJobSpec, onEvent: (e: JobEvent) => void) => Promise<JobSource>) | undefined;
}

/** Open the image and its bmap (or the caller's own source); nothing is written. */
export async function openJobSource(spec: WriteJobSpec, onEvent: (e: JobEvent) => void, opts: JobRunOptions = {}): Promise<JobSource> {
  if (opts.openSource !== undefined) return opts.openSource(spec, onEvent);
  const image = await openImage(spec.image, {
    signal: opts.signal,
    onInfo: (message) => onEvent({ kind: 'info', message }),
    // The download's own hash is only needed to compare with a published checksum.
    hashRaw: spec.sha256 !== undefined,
  });
  try {
    const bmap = await loadBmap(spec, image);
    const sectorSize = image.format === 'raw' && image.localPath !== undefined ? await peekSectorSize(image.localPath) : undefined;
    return { image, bmap, size: bmap?.imageSize ?? image.size, sectorSize, close: () => image.close() };
  } catch (e) {
    await image.close();
    throw e;
  }
}

async function peekSectorSize(path: string): Promise<number | undefined> {
  const fh = await openFile(path, 'r');
  try {
    const head = Buffer.alloc(8192);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return gptSectorSize(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/**
 * Write an opened source to guarded targets (flasher/guard): stream once, fan out, verify, then
 * the partition table. Targets are not closed here: the guard's owner releases them.
 */
export async function writeTargets(spec: WriteJobSpec, src: JobSource, handles: readonly TargetHandle[], onEvent: (e: JobEvent) => void, opts: RunOptions = {}): Promise<JobSummary> {
  const h = await xxh();
  return runWithImage(spec, src, handles, onEvent, opts, (b) => h.h64Raw(b));
}

async function loadBmap(spec: WriteJobSpec, image: OpenedImage): Promise<BmapLike | undefined> {
  const path = spec.bmap ?? (image.localPath !== undefined ? await findBmap(image.localPath) : undefined);
  if (path === undefined) return undefined;
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch {
    throw new FlashError('E_BMAP', `cannot read the bmap file ${path}`, { phase: 'source' });
  }
  const b = parseBmap(text);
  if (image.size !== undefined && image.size !== b.imageSize) {
    throw new FlashError('E_BMAP', `the bmap ${path} does not belong to this image: it describes ${b.imageSize} bytes, the image has ${image.size}`, {
      phase: 'source',
    });
  }
  return b;
}

async function runWithImage(
  spec: WriteJobSpec,
  src: JobSource,
  handles: readonly TargetHandle[],
  onEvent: (e: JobEvent) => void,
  opts: RunOptions,
  h64: (b: Uint8Array) => bigint,
): Promise<JobSummary> {
  const { image, bmap, size } = src;
  const ranges: ByteRange[] | undefined = bmap === undefined ? undefined : bmapByteRanges(bmap);
  const toWrite = ranges === undefined ? size : ranges.reduce((n, r) => n + (r.end - r.start), 0);
  const verify = spec.verify !== false;
  if (bmap !== undefined) onEvent({ kind: 'info', message: `bmap: ${toWrite ?? 0} of ${size ?? 0} bytes mapped` });

  const pool = new ChunkPool(POOL_CHUNKS);
  const slots: TargetState[] = handles.map((handle) => ({ path: handle.path, handle, phase: 'write', verified: false, started: performance.now(), meter: new SpeedMeter(), meterPhase: 'write', doneBytes: 0 }));
  await openTargets(slots, size, opts);
  await startWriters(slots, pool, size);

  const ticker = setInterval(() => emitProgress(slots, onEvent, toWrite), 250);
  const map = new WrittenMap();
  const pumped = await pump(spec, src, slots, pool, map, ranges, opts, h64);
  const { sourceError, imageSha, head } = pumped;
  await Promise.all(slots.map((s) => s.writer?.idle() ?? Promise.resolve()));
  const results = await Promise.all(
    slots.map((s) => finishTarget(s, { sourceError, verify, map, pool, head, h64, opts, onEvent, sourceAt: sourceReader(image) })),
  );
  clearInterval(ticker);
  return { image: spec.image, format: image.format, imageSize: size ?? 0, sha256: imageSha, results };
}

const live = (slots: readonly TargetState[]): TargetState[] => slots.filter((s) => s.error === undefined && s.writer?.failed !== true);

/** Build a WriteTarget over every guarded handle; one that cannot be used fails alone, untouched. */
async function openTargets(slots: readonly TargetState[], size: number | undefined, opts: RunOptions): Promise<void> {
  await Promise.all(
    slots.map(async (s) => {
      try {
        const t = await WriteTarget.open(s.handle, size, opts.wrapIO);
        s.target = t;
        if (t.capacity !== undefined && size !== undefined && t.capacity < size) {
          const short = size - t.capacity;
          throw new FlashError('E_TOO_SMALL', `${s.path} is too small: the image is ${size} bytes, the drive ${t.capacity} (${(short / 2 ** 20).toFixed(1)} MiB short)`, {
            target: s.path,
            phase: 'open',
          });
        }
      } catch (e) {
        s.error = asFlash(e, s.path);
      }
    }),
  );
}

/** Probe direct I/O once, then give each target its writer (which wipes the ends before its first byte). */
async function startWriters(slots: readonly TargetState[], pool: ChunkPool, size: number | undefined): Promise<void> {
  const probe = live(slots)
    .map((s) => s.target)
    .filter((t): t is WriteTarget => t?.probeHandle !== undefined)
    .sort((a, b) => (a.kind === b.kind ? b.sectorSize - a.sectorSize : a.kind === 'block' ? -1 : 1))[0];
  const aligned = probe?.probeHandle !== undefined ? await pool.probeAlignment(probe.probeHandle, Math.max(PROBE_BYTES, probe.sectorSize), probe.kind === 'file') : false;
  for (const s of live(slots)) {
    const t = s.target;
    if (t === undefined) continue;
    if (!aligned) t.disableDirect();
    // Nothing is written to a target until its first chunk comes: a job whose source fails
    // first (or a target refused on the first chunk) leaves it as it was.
    s.writer = new TargetWriter(t, pool, WRITE_DEPTH, t.kind === 'file', () => wipeEnds(t, size));
  }
}

interface Pumped {
  readonly sourceError: FlashError | undefined;
  readonly imageSha: string | undefined;
  /** The held-back first MiB (shorter for a smaller image). */
  readonly head: Buffer;
}

/** Stream the source once into every live target, keep the first MiB back, judge the checksums. */
async function pump(spec: WriteJobSpec, src: JobSource, slots: readonly TargetState[], pool: ChunkPool, map: WrittenMap, ranges: ByteRange[] | undefined, opts: RunOptions, h64: (b: Uint8Array) => bigint): Promise<Pumped> {
  const { image, bmap, size } = src;
  const verify = spec.verify !== false;
  const head = Buffer.alloc(HEAD_BYTES);
  let headLen = 0;
  try {
    if (live(slots).length === 0) throw new FlashError('E_CANCELLED', 'no target could be opened', { phase: 'open' });
    // SHA-256 of the whole image: to check a published checksum, and for the report of a verified
    // write (a bmap write reads only mapped data, so it has none unless a checksum asks for it).
    // Per-piece hashes only when the write is read back. A bare --no-verify write hashes nothing.
    const wantSha = spec.sha256 !== undefined || (verify && bmap === undefined);
    const plan = { size, ranges, checksumType: bmap?.checksumType, wantSha, wantPieces: verify };
    const r = await streamImage(image, pool, plan, map, opts.signal, h64, (chunk, len, body) => {
      if (chunk.offset < HEAD_BYTES) {
        const n = Math.min(len, HEAD_BYTES - chunk.offset);
        chunk.data.copy(head, chunk.offset, 0, n);
        headLen = Math.max(headLen, chunk.offset + n);
      }
      if (chunk.offset === 0) refuseSectorMismatch(live(slots), gptSectorSize(chunk.data.subarray(0, len)));
      // Hold the chunk while handing it out: a writer with nothing to write releases it at once.
      chunk.refs += 1;
      for (const s of live(slots)) {
        const t = s.target;
        if (t?.capacity !== undefined && chunk.offset + len > t.capacity) {
          s.writer?.fail(new FlashError('E_TOO_SMALL', `${s.path} is too small: the image is larger than ${t.capacity} bytes`, { target: s.path, phase: 'write', offset: t.capacity }));
          continue;
        }
        s.writer?.submit(chunk, body);
      }
      pool.unref(chunk);
      if (live(slots).length === 0) throw new FlashError('E_CANCELLED', 'every target failed', { phase: 'write' });
    });
    if (size === undefined) headLen = Math.min(headLen, r.bytes);
    if (spec.sha256 !== undefined) {
      const want = spec.sha256.toLowerCase();
      const raw = image.rawSha256();
      if (want !== r.sha256 && want !== raw) {
        throw new FlashError('E_CHECKSUM', `checksum mismatch: expected ${want}, the image is ${r.sha256 ?? '?'}${raw !== undefined && raw !== r.sha256 ? ` (download ${raw})` : ''}`, { phase: 'verify' });
      }
    }
    return { sourceError: undefined, imageSha: r.sha256, head: head.subarray(0, headLen) };
  } catch (e) {
    return { sourceError: asFlash(e), imageSha: undefined, head: head.subarray(0, headLen) };
  }
}

/** Re-read image bytes to name the exact bad byte after a verify mismatch (raw local files only). */
function sourceReader(image: OpenedImage): ((offset: number, length: number) => Promise<Buffer>) | undefined {
  const path = image.localPath;
  if (image.format !== 'raw' || path === undefined) return undefined;
  return async (offset, length) => {
    const disk = await openDisk(path);
    try {
      return await disk.read(offset, length);
    } finally {
      await disk.close();
    }
  };}

/** A GPT built for 512-byte sectors cannot be read on a 4Kn drive (and the reverse): refuse, never convert. */
function refuseSectorMismatch(slots: readonly TargetState[], imageSs: number | undefined): void {
  if (imageSs === undefined) return;
  for (const s of slots) {
    const t = s.target;
    if (t?.kind !== 'block' || t.sectorSize === imageSs) continue;
    s.writer?.fail(
      new FlashError('E_PARTITION_TABLE', `${s.path} uses ${t.sectorSize}-byte sectors, but the image's GPT was built for ${imageSs}-byte sectors: it would not be readable there`, {
        target: s.path,
        phase: 'write',
        offset: 0,
      }),
    );
  }
}


/** Zero the first MiB and the last MiB past the image on a block device, before its first image byte. */
async function wipeEnds(t: WriteTarget, size: number | undefined): Promise<void> {
  if (t.kind !== 'block' || t.capacity === undefined) return;
  const zeros = Buffer.alloc(Math.min(HEAD_BYTES, t.capacity));
  await t.writeAt(zeros, 0, false);
  const tailStart = Math.max(t.capacity - HEAD_BYTES, size ?? 0, HEAD_BYTES);
  if (tailStart < t.capacity) await t.writeAt(zeros.subarray(0, t.capacity - tailStart), tailStart, false);
  await t.flush();
}


function emitProgress(slots: readonly TargetState[], onEvent: (e: JobEvent) => void, toWrite: number | undefined): void {
  for (const s of slots) {
    if (s.error !== undefined || s.writer === undefined || s.writer.failed) continue;
    const bytes = s.phase === 'write' ? s.writer.bytesWritten : s.doneBytes;
    const total = s.phase === 'write' || s.phase === 'verify' ? toWrite : undefined;
    if (s.meterPhase !== s.phase) {
      s.meter = new SpeedMeter();
      s.meterPhase = s.phase;
    }
    const speed = s.meter.update(bytes);
    onEvent({ kind: 'progress', target: s.path, phase: s.phase, bytes, total, speed, eta: s.meter.eta(bytes, total) });
  }
}
