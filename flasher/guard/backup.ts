/**
 * The guard's door for the verbs that read a whole drive (backup, and clone's source): the
 * source is opened read-only (exclusively where nothing holds it; a read-write mount refused
 * unless allowed: flasher/backup/source.ts), and the backup's output file is judged before a
 * byte is read: not a drive or folder, not an existing file unless --force, and not on the
 * drive being read (a backup of a card onto that same card would overwrite what it reads).
 */
import { promises as fsp } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { sourceFacts } from '../drives/assess.js';
import type { ListOptions } from '../drives/types.js';
import { FlashError, sysCode } from '../errors.js';
import { openBackupSource, type BackupSource } from '../backup/source.js';

export interface BackupGuardRequest {
  readonly source: string;
  /** The output file and the sidecars written beside it. */
  readonly outputs: readonly string[];
  readonly force?: boolean | undefined;
  readonly allowMounted?: boolean | undefined;
  readonly list?: ListOptions | undefined;
}

async function statOrUndefined(path: string): Promise<Awaited<ReturnType<typeof fsp.stat>> | undefined> {
  try {
    return await fsp.stat(path);
  } catch (e) {
    if (sysCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/** Judge the output files against the source; throws the refusal (nothing opened, nothing written). */
export async function judgeBackupOutput(req: Omit<BackupGuardRequest, 'allowMounted'>): Promise<void> {
  const [output] = req.outputs;
  if (output === undefined) throw new FlashError('E_USAGE', 'backup needs an output file');
  for (const p of req.outputs) {
    const st = await statOrUndefined(p);
    if (st === undefined) continue;
    if (st.isDirectory()) throw new FlashError('E_TARGET_INVALID', `${p} is a folder: name the backup file (e.g. ${p}/card.img.zst)`, { target: p, phase: 'open' });
    if (!st.isFile()) throw new FlashError('E_TARGET_INVALID', `${p} is not a regular file: a backup is written to a file (to copy onto a drive, use clone)`, { target: p, phase: 'open' });
    if (req.force !== true) throw new FlashError('E_OUTPUT_EXISTS', `${p} exists: choose another name, or replace it with --force`, { target: p, phase: 'open' });
  }
  const dir = dirname(resolve(output));
  const dst = await statOrUndefined(dir);
  if (dst === undefined || !dst.isDirectory()) throw new FlashError('E_TARGET_MISSING', `${dir}: no such folder for the backup`, { target: output, phase: 'open' });
  const src = await sourceFacts(req.source, req.list);
  const here = await sourceFacts(dir, req.list);
  const shared = (src.sourceDisks ?? []).filter((d) => here.sourceDisks?.includes(d) === true);
  const srcSt = await statOrUndefined(req.source);
  if (srcSt?.isBlockDevice() === true && shared.length > 0) {
    throw new FlashError('E_TARGET_HOLDS_SOURCE', `${output} would be written on ${shared.join(', ')}, the drive being read: choose a destination on another drive`, { target: output, phase: 'open' });
  }
  if (src.sourcePath !== undefined && (await fsp.realpath(output).catch(() => resolve(output))) === src.sourcePath) {
    throw new FlashError('E_TARGET_HOLDS_SOURCE', `${output} is the source itself`, { target: output, phase: 'open' });
  }
}

/** Judge the output, then open the source read-only. The caller closes the source. */
export async function guardBackup(req: BackupGuardRequest): Promise<BackupSource> {
  await judgeBackupOutput(req);
  return openBackupSource(req.source, { allowMounted: req.allowMounted, list: req.list });
}
