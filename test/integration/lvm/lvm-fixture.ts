/**
 * Test helper: image files on loop devices and the real LVM tools in metadata-only mode.
 *
 * Every LVM command is restricted to one loop device (--devices, or a global_filter for pvck)
 * with activation off, so tests never see other people's VGs. Callers must `detach()` in
 * afterEach/finally; `cleanupAll()` detaches whatever is still attached.
 */
import { sh, type ShResult } from '../../../testkit/sh.js';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';

export type RunResult = ShResult;

/** The shared tool runner (testkit/sh.ts), with LVM's fd warnings off. */
export function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return sh(cmd, args, { env: { ...process.env, LVM_SUPPRESS_FD_WARNINGS: '1', ...env } });
}

export async function runOk(cmd: string, args: readonly string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

export const LVM_CONFIG = 'global { activation = 0 } devices { obtain_device_list_from_udev = 0 }';

const attached = new Set<string>();

export class LoopDisk {
  private constructor(
    public readonly file: string,
    public readonly dev: string,
  ) {}

  /** A sparse image file of `size` bytes, attached to a free loop device. */
  public static async create(dir: string, name: string, size: number): Promise<LoopDisk> {
    const file = join(dir, name);
    const fh = await fsp.open(file, 'w');
    await fh.truncate(size);
    await fh.close();
    return LoopDisk.attach(file);
  }

  public static async attach(file: string): Promise<LoopDisk> {
    const dev = (await runOk('losetup', ['-f', '--show', file])).trim();
    attached.add(dev);
    return new LoopDisk(file, dev);
  }

  /** Run an LVM command restricted to this device; returns stdout, throws on failure. */
  public async lvm(cmd: string, ...args: string[]): Promise<string> {
    const r = await this.lvmRaw(cmd, ...args);
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }

  public lvmRaw(cmd: string, ...args: string[]): Promise<RunResult> {
    if (cmd === 'pvck') {
      const cfg = `global { activation = 0 } devices { obtain_device_list_from_udev = 0 global_filter = [ "a|^${this.dev}$|", "r|.*|" ] }`;
      return run(cmd, ['--config', cfg, ...args]);
    }
    return run(cmd, ['--config', LVM_CONFIG, '--devices', this.dev, ...args]);
  }

  /** Grow (or shrink) the backing file and tell the loop driver (losetup -c). */
  public async resize(size: number): Promise<void> {
    await fsp.truncate(this.file, size);
    await runOk('losetup', ['-c', this.dev]);
  }

  public async detach(): Promise<void> {
    if (!attached.has(this.dev)) return;
    attached.delete(this.dev);
    await run('losetup', ['-d', this.dev]);
  }
}

export async function cleanupAll(): Promise<void> {
  for (const dev of [...attached]) {
    attached.delete(dev);
    await run('losetup', ['-d', dev]);
  }
}

export async function tempDir(prefix: string): Promise<string> {
  return fsp.mkdtemp(join(os.tmpdir(), prefix));
}

/** The committed metadata text LVM itself reports (pvck --dump metadata), without the trailing NUL. */
export async function pvckMetadata(disk: LoopDisk, extra: string[] = []): Promise<string> {
  const out = await disk.lvm('pvck', '--dump', 'metadata', ...extra, disk.dev);
  return out;
}

/**
 * Store `text` as the committed metadata of every mda of the PV (our own write primitives),
 * to put metadata the LVM tools here cannot make (raid1, mirror...) on a real PV.
 */
export async function storeMetadataText(io: import('../../../flasher/disk-io.js').DiskIO, text: string): Promise<void> {
  const { readPhysicalVolume } = await import('../../../provisioning/lvm/read-pv.js');
  const { writeMetadata } = await import('../../../provisioning/lvm/write-metadata.js');
  const pv = await readPhysicalVolume(io, 0, io.size, text.slice(0, text.indexOf(' ')));
  await writeMetadata(io, pv, { text: Buffer.concat([Buffer.from(text, 'latin1'), Buffer.alloc(1)]), label: undefined });
}
