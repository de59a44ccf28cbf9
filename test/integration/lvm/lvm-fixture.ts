/**
 * Test helper: image files on loop devices and the real LVM tools in metadata-only mode, on top of
 * testkit/ (loop.ts: every device is detached after the test even when it fails; lvm.ts: every LVM
 * command restricted to this device with activation off, so tests never see other people's VGs).
 */
import { afterEach } from 'vitest';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { openDisk, type DiskIO, type OpenDiskOptions } from '../../../flasher/disk-io.js';
import { attachLoop, detachLoop, refreshLoopSize } from '../../../testkit/loop.js';
import { lvmOn, lvmRun } from '../../../testkit/lvm.js';
import type { ShResult } from '../../../testkit/sh.js';

export class LoopDisk {
  private detached = false;

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
    return new LoopDisk(file, await attachLoop(file));
  }

  /** Run an LVM command restricted to this device; returns stdout, throws on failure. */
  public lvm(cmd: string, ...args: string[]): Promise<string> {
    return lvmOn(this.dev, cmd, ...args);
  }

  public lvmRaw(cmd: string, ...args: string[]): Promise<ShResult> {
    return lvmRun(this.dev, cmd, ...args);
  }

  /** Grow (or shrink) the backing file and tell the loop driver (losetup -c). */
  public async resize(size: number): Promise<void> {
    await fsp.truncate(this.file, size);
    await refreshLoopSize(this.dev);
  }

  /** Detach now (before the test ends, e.g. to reattach a copy); once only. */
  public async detach(): Promise<void> {
    if (this.detached) return;
    this.detached = true;
    await detachLoop(this.dev);
  }
}

export async function tempDir(prefix: string): Promise<string> {
  return fsp.mkdtemp(join(os.tmpdir(), prefix));
}

export interface LvmScratch {
  /** A sparse image file (default pv.img, 64 MiB) in this test's temporary directory, on a loop device. */
  readonly disk: (name?: string, size?: number) => Promise<LoopDisk>;
  /** Open a disk's loop device; closed after the test unless closed earlier with close(). */
  readonly open: (d: LoopDisk) => Promise<DiskIO>;
  readonly close: (io: DiskIO) => Promise<void>;
}

/**
 * Per-test scratch for a test file (call once, at module level): after each test every DiskIO it
 * opened is closed and its temporary directory removed.
 */
export function lvmScratch(prefix: string, openOpts: OpenDiskOptions = {}): LvmScratch {
  let dir = '';
  const ios: DiskIO[] = [];
  afterEach(async () => {
    for (const io of ios.splice(0)) await io.close();
    if (dir !== '') await fsp.rm(dir, { recursive: true, force: true });
    dir = '';
  });
  return {
    disk: async (name = 'pv.img', size = 64 * 1024 * 1024) => {
      if (dir === '') dir = await tempDir(prefix);
      return LoopDisk.create(dir, name, size);
    },
    open: async (d) => {
      const io = await openDisk(d.dev, openOpts);
      ios.push(io);
      return io;
    },
    close: async (io) => {
      ios.splice(ios.indexOf(io), 1);
      await io.close();
    },
  };
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
export async function storeMetadataText(io: DiskIO, text: string): Promise<void> {
  const { readPhysicalVolume } = await import('../../../provisioning/lvm/read-pv.js');
  const { writeMetadata } = await import('../../../provisioning/lvm/write-metadata.js');
  const pv = await readPhysicalVolume(io, 0, io.size, text.slice(0, text.indexOf(' ')));
  await writeMetadata(io, pv, { text: Buffer.concat([Buffer.from(text, 'latin1'), Buffer.alloc(1)]), label: undefined });
}
