/**
 * Pick and build the decoder for a detected format, following the measured choices
 * (docs/dependency-measurements.md, docs/engine.md): gzip in zlib with 1 MiB chunks; xz by spawning
 * `xz -dc -T0` (parallel on multi-block files), else the WASM decoder in a worker; zstd by spawning
 * `zstd -dc` when installed, else Node's built-in decoder; bzip2 by `lbzip2 -dc -n2`, else `bzip2 -dc`.
 * Every path reports truncation as E_TRUNCATED and damage as E_FORMAT_CORRUPT.
 */
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { FlashError, isFlashError } from '../errors.js';
import type { ImageFormat } from './detect-format.js';
import { Relay } from './relay.js';
import { SpawnedDecoder, firstLine } from './spawn-decoder.js';
import type { RawTap } from './tap.js';
import { hasTool } from './tools.js';
import { XzWasmDecoder } from './xz-wasm.js';
import { builtinZstdFactory, framedZstdDecoder } from './zstd-builtin.js';

/** Force a decoder implementation (tests, or a user working around a broken tool). */
export interface DecoderPreferences {
  readonly xz?: 'auto' | 'tool' | 'wasm' | undefined;
  readonly zstd?: 'auto' | 'builtin' | 'tool' | undefined;
  readonly bzip2?: 'auto' | 'lbzip2' | 'bzip2' | undefined;
}

const PHASE = { phase: 'decompress' as const };

export function mapGzipError(e: unknown): FlashError {
  if (isFlashError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(msg)) {
    return new FlashError('E_TRUNCATED', 'the gzip image ends early (truncated download or file?)', { ...PHASE, cause: e });
  }
  return new FlashError('E_FORMAT_CORRUPT', `the gzip image is corrupt (${msg})`, { ...PHASE, cause: e });
}

/** bzip2 streams end with the 48-bit magic 0x177245385090 and a CRC, then 0-7 pad bits. */
export function hasBzip2EndMarker(tail: Buffer): boolean {
  if (tail.length < 10) return false;
  const last = tail.subarray(-11);
  let v = 0n;
  for (const b of last) v = (v << 8n) | BigInt(b);
  for (let pad = 0n; pad < 8n; pad++) {
    if (((v >> (32n + pad)) & 0xffffffffffffn) === 0x177245385090n) return true;
  }
  return false;
}

function toolFailure(tool: string, what: string, stderr: string, code: number | null, signal: NodeJS.Signals | null): FlashError {
  const why = firstLine(stderr) || (signal !== null ? `killed by ${signal}` : `exit code ${code}`);
  return new FlashError('E_FORMAT_CORRUPT', `the ${what} image is corrupt (${tool}: ${why})`, PHASE);
}

function truncated(what: string, tool: string, stderr: string): FlashError {
  return new FlashError('E_TRUNCATED', `the ${what} image ends early (truncated download or file?) (${tool}: ${firstLine(stderr)})`, PHASE);
}

export interface Decoder {
  readonly stream: Readable;
  /** Which implementation decodes, for logs and job reports (e.g. "xz -dc -T0"). */
  readonly name: string;
}

async function xzDecoder(input: Readable, prefs: DecoderPreferences, file: string | undefined): Promise<Decoder> {
  const useTool = prefs.xz === 'tool' || (prefs.xz !== 'wasm' && (await hasTool('xz')));
  if (!useTool) return { stream: new XzWasmDecoder(input), name: 'xz-decompress (WASM, worker thread)' };
  return { name: 'xz -dc -T0', stream: new SpawnedDecoder(input, {
    command: 'xz',
    args: ['-dc', '-T0'],
    file,
    classify: (stderr, code, signal) =>
      /unexpected end of input/i.test(stderr) ? truncated('xz', 'xz', stderr) : toolFailure('xz', 'xz', stderr, code, signal),
  }) };
}

async function zstdDecoder(input: Readable, prefs: DecoderPreferences, file: string | undefined): Promise<Decoder> {
  const builtin = builtinZstdFactory();
  // The spawned tool first when installed: it decodes on another core and its output lands
  // straight in the write buffers, 3-4x faster end to end than the built-in per-frame stream on
  // Node 22 (docs/engine.md). The built-in decoder is for machines without the tool (the app).
  const tool = prefs.zstd !== 'builtin' && (await hasTool('zstd'));
  if (!tool && builtin !== undefined && prefs.zstd !== 'tool') return { stream: framedZstdDecoder(input, builtin), name: 'zlib zstd (built-in, per frame)' };
  if (prefs.zstd === 'builtin') {
    throw new FlashError('E_FORMAT_UNKNOWN', 'this Node has no built-in zstd decoder (needs Node >= 22.15)', PHASE);
  }
  if (!tool) {
    throw new FlashError('E_FORMAT_UNKNOWN', 'the image is zstd-compressed, but this system has neither a built-in zstd decoder (Node >= 22.15) nor the `zstd` tool: install zstd', PHASE);
  }
  return { name: 'zstd -dc', stream: new SpawnedDecoder(input, {
    command: 'zstd',
    // --long=31 lifts the window limit so images made with `zstd --long` decode.
    args: ['-dc', '-q', '--long=31'],
    file,
    classify: (stderr, code, signal) =>
      /premature end|truncated|incomplete/i.test(stderr) ? truncated('zstd', 'zstd', stderr) : toolFailure('zstd', 'zstd', stderr, code, signal),
  }) };
}

async function bzip2Decoder(input: Readable, tap: RawTap, prefs: DecoderPreferences): Promise<Decoder> {
  const lbzip2 = prefs.bzip2 === 'lbzip2' || (prefs.bzip2 !== 'bzip2' && (await hasTool('lbzip2')));
  if (!lbzip2 && !(await hasTool('bzip2'))) {
    throw new FlashError('E_FORMAT_UNKNOWN', 'the image is bzip2-compressed, but neither `lbzip2` nor `bzip2` is installed', PHASE);
  }
  const tool = lbzip2 ? 'lbzip2' : 'bzip2';
  return { name: lbzip2 ? 'lbzip2 -dc -n2' : 'bzip2 -dc', stream: new SpawnedDecoder(input, {
    command: tool,
    args: lbzip2 ? ['-dc', '-n2'] : ['-dc'],
    classify: (stderr, code, signal) => {
      if (/ends unexpectedly|unexpected end/i.test(stderr)) return truncated('bzip2', tool, stderr);
      // lbzip2 says "compressed data error" for both; a source that was read to its end without
      // the end-of-stream marker was cut short.
      if (tap.ended && !hasBzip2EndMarker(tap.tail())) return truncated('bzip2', tool, stderr);
      return toolFailure(tool, 'bzip2', stderr, code, signal);
    },
  }) };
}

function gzipDecoder(input: Readable): Decoder {
  const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
  input.pipe(gunzip);
  return { stream: new Relay(gunzip, [input], mapGzipError), name: 'zlib gunzip' };
}

/**
 * Decoded stream for `format` over the raw bytes `input` (which already pass through `tap`).
 * Not for zip: zip needs random access and is opened by zip-source.ts.
 */
/**
 * `file`: a local file that a spawned tool may read by itself (faster: nothing passes through this
 * process on the way in); only given when nobody needs the raw bytes to pass the tap.
 */
export async function createDecoder(format: Exclude<ImageFormat, 'zip'>, input: Readable, tap: RawTap, prefs: DecoderPreferences = {}, file?: string): Promise<Decoder> {
  switch (format) {
    case 'raw':
      return { stream: input, name: 'none (raw)' };
    case 'gzip':
      return gzipDecoder(input);
    case 'xz':
      return xzDecoder(input, prefs, file);
    case 'zstd':
      return zstdDecoder(input, prefs, file);
    case 'bzip2':
      return bzip2Decoder(input, tap, prefs);
  }
}
