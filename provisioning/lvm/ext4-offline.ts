/**
 * Grow an ext2/3/4 filesystem offline on a byte range of a disk (Linux with e2fsprogs only).
 *
 * The range (an LV found with lvByteRange) is attached as its own loop device with
 * -o/--sizelimit, checked with `e2fsck -f -y` (exit 0 or 1 is fine), grown with `resize2fs`
 * to the whole range, and the loop device is always detached. Elsewhere, or without the tools,
 * it reports 'skipped-no-tools' so the first-boot agent grows the filesystem online instead.
 */
import { execFile } from 'node:child_process';
import { promises as fsp, constants as fsc } from 'node:fs';
import { delimiter, join } from 'node:path';
import { FlashError } from '../../flasher/errors.js';

export type Ext4ResizeOutcome = 'resized' | 'skipped-no-tools' | 'not-ext4';

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err === null) {
        resolve({ code: 0, stdout, stderr });
        return;
      }
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'number') resolve({ code, stdout, stderr });
      else reject(new Error(`${cmd}: ${err.message}`, { cause: err }));
    });
  });
}

async function findTool(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const d of dirs) {
    if (d === '') continue;
    const p = join(d, name);
    try {
      await fsp.access(p, fsc.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

const EXT_MAGIC = 0xef53;

async function hasExtSuperblock(devicePath: string, byteOffset: number): Promise<boolean> {
  const fh = await fsp.open(devicePath, fsc.O_RDONLY);
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, byteOffset + 1024 + 56);
    return bytesRead === 2 && buf.readUInt16LE(0) === EXT_MAGIC;
  } finally {
    await fh.close();
  }
}

function fail(msg: string, r?: RunResult): FlashError {
  const detail = r === undefined ? '' : `: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`;
  return new FlashError('E_GROW', `${msg}${detail}`, { phase: 'grow' });
}

export type Ext4CheckOutcome = 'clean' | 'not-ext4' | 'skipped-no-tools' | 'unclean';

interface E2fsTools {
  readonly e2fsck: string;
  readonly resize2fs: string;
}

/**
 * Run `fn` on a loop device over the ext2/3/4 filesystem at [byteOffset, byteOffset+byteLength)
 * of devicePath (read-only when asked), detached afterwards whatever happens; 'not-ext4' or
 * 'skipped-no-tools' when there is nothing to run it on. Needs resize2fs too, so a check never
 * passes a filesystem the resize could not then grow.
 */
async function onExtLoop<T>(
  devicePath: string,
  byteOffset: number,
  byteLength: number,
  readOnly: boolean,
  fn: (loop: string, tools: E2fsTools) => Promise<T>,
): Promise<T | 'not-ext4' | 'skipped-no-tools'> {
  if (!(await hasExtSuperblock(devicePath, byteOffset))) return 'not-ext4';
  if (process.platform !== 'linux') return 'skipped-no-tools';
  const [losetup, e2fsck, resize2fs] = await Promise.all([findTool('losetup'), findTool('e2fsck'), findTool('resize2fs')]);
  if (losetup === undefined || e2fsck === undefined || resize2fs === undefined) return 'skipped-no-tools';
  const att = await run(losetup, ['-f', '--show', ...(readOnly ? ['-r'] : []), '-o', String(byteOffset), '--sizelimit', String(byteLength), devicePath]);
  const loop = att.stdout.trim();
  if (att.code !== 0 || !loop.startsWith('/dev/')) throw fail(`could not attach a loop device over ${devicePath} at byte ${byteOffset}`, att);
  try {
    return await fn(loop, { e2fsck, resize2fs });
  } finally {
    const det = await run(losetup, ['-d', loop]);
    if (det.code !== 0) {
      // Best effort: never leave a loop device behind silently.
      process.emitWarning(`could not detach ${loop}: ${det.stderr.trim()}`);
    }
  }
}

/**
 * Read-only check (`e2fsck -fn` on a read-only loop device) of the ext2/3/4 filesystem at
 * [byteOffset, byteOffset+byteLength) of devicePath: what the plan looks at before it lets
 * offlineResizeExt4 touch the filesystem. 'unclean' (with e2fsck's last lines) when e2fsck
 * finds anything to fix: such a filesystem is not touched offline.
 */
export async function checkExt4Offline(devicePath: string, byteOffset: number, byteLength: number): Promise<{ outcome: Ext4CheckOutcome; detail?: string | undefined }> {
  const r = await onExtLoop(devicePath, byteOffset, byteLength, true, async (loop, t): Promise<{ outcome: Ext4CheckOutcome; detail?: string }> => {
    const fsck = await run(t.e2fsck, ['-f', '-n', loop]);
    if (fsck.code === 0) return { outcome: 'clean' };
    const detail = `e2fsck -fn exit ${fsck.code}: ${(fsck.stdout || fsck.stderr).trim().split('\n').slice(-2).join(' / ')}`;
    return { outcome: 'unclean', detail };
  });
  return typeof r === 'string' ? { outcome: r } : r;
}

/** Check and grow the ext2/3/4 filesystem found at [byteOffset, byteOffset+byteLength) of devicePath. */
export async function offlineResizeExt4(devicePath: string, byteOffset: number, byteLength: number): Promise<Ext4ResizeOutcome> {
  return onExtLoop(devicePath, byteOffset, byteLength, false, async (loop, t) => {
    const fsck = await run(t.e2fsck, ['-f', '-y', loop]);
    if (fsck.code !== 0 && fsck.code !== 1) throw fail(`e2fsck found errors it could not fix (exit ${fsck.code}) in the filesystem at byte ${byteOffset}`, fsck);
    const rs = await run(t.resize2fs, [loop]);
    if (rs.code !== 0) throw fail(`resize2fs failed (exit ${rs.code}) on the filesystem at byte ${byteOffset}`, rs);
    return 'resized' as const;
  });
}
