/**
 * Local image files: resolve, check that the path is a readable regular file (mapping ENOENT,
 * EACCES and directories to the right FlashError), and stream it in 1 MiB reads.
 */
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { FlashError, sysCode } from '../errors.js';

export interface LocalFile {
  readonly path: string;
  readonly size: number;
  /** Open for random-access probes (size trailers, zip directory); the caller closes it. */
  readonly handle: FileHandle;
}

export function sourceError(e: unknown, path: string): FlashError {
  const c = sysCode(e);
  const msg = e instanceof Error ? e.message : String(e);
  const opts = { phase: 'source' as const, cause: e };
  if (c === 'ENOENT' || c === 'ENOTDIR') return new FlashError('E_SOURCE_MISSING', `image not found: ${path}`, opts);
  if (c === 'EACCES' || c === 'EPERM') return new FlashError('E_SOURCE_UNREADABLE', `image is not readable (permission denied): ${path}`, opts);
  if (c === 'EISDIR') return new FlashError('E_SOURCE_UNREADABLE', `image path is a directory, not a file: ${path}`, opts);
  return new FlashError('E_SOURCE_UNREADABLE', `cannot read image ${path}: ${msg}`, opts);
}

export async function openLocal(spec: string): Promise<LocalFile> {
  const path = resolve(spec);
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw sourceError(e, path);
  }
  if (st.isDirectory()) throw new FlashError('E_SOURCE_UNREADABLE', `image path is a directory, not a file: ${path}`, { phase: 'source' });
  if (!st.isFile()) throw new FlashError('E_SOURCE_UNREADABLE', `image is not a regular file: ${path}`, { phase: 'source' });
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw sourceError(e, path);
  }
  return { path, size: st.size, handle };
}

/** Stream the file from `start` (inclusive) to `end` (exclusive), 1 MiB per read. */
export function readLocal(path: string, start = 0, end?: number): Readable {
  const s = createReadStream(path, { start, end: end === undefined ? undefined : end - 1, highWaterMark: 1 << 20 });
  return s;
}
