/**
 * A FAT12/16/32 volume inside a byte range of a DiskIO: open, look up, read, write, delete.
 *
 * This is what seeds the `3OS-CONFIG` partition without mounting it, on any host OS. Operations
 * run one at a time (a queue), each planned and checked before its first write; see writer.ts
 * for the write order and why it survives a crash. Expected failures are FlashErrors: E_FAT for
 * a corrupt or unsupported volume and bad paths, E_FAT_FULL when data does not fit.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError, isFlashError, type Phase } from '../../flasher/errors.js';
import { FSINFO_UNKNOWN, parseBootSector, parseFsInfo, updateFsInfo, type FatGeometry, type FatType } from './bpb.js';
import { bootStateOffset, checkFatVolume, damagedError, type FatCheckReport } from './check.js';
import { clusterOffset, Directory, runs, type DirItem, type FsCtx } from './directory.js';
import { FatTable } from './fat-table.js';
import { splitPath } from './paths.js';
import { createPath, removeFile, type WriteHooks } from './writer.js';
import { VolumeIO } from './volume-io.js';

/** One directory entry as `list` and `stat` report it. */
export interface FatEntry {
  /** Long name when there is one, else the 8.3 name. */
  readonly name: string;
  /** The 8.3 name ("CONFIG~1.YAM"). */
  readonly shortName: string;
  readonly isDirectory: boolean;
  /** Bytes (0 for directories). */
  readonly size: number;
  /** Last write time (FAT local time, 2 s resolution). */
  readonly modified: Date;
  /** FAT attribute bits (0x01 read-only, 0x02 hidden, 0x04 system, 0x10 directory, 0x20 archive). */
  readonly attributes: number;
}

export interface FatVolume {
  readonly type: FatType;
  readonly label: string;
  readFile(path: string): Promise<Buffer | undefined>;
  writeFile(path: string, data: Uint8Array, opts?: { mkdirs?: boolean }): Promise<void>;
  deleteFile(path: string): Promise<boolean>;
  /** Create a directory and any missing parents; an existing directory is fine. */
  mkdir(path: string): Promise<void>;
  list(path: string): Promise<FatEntry[]>;
  stat(path: string): Promise<FatEntry | undefined>;
  exists(path: string): Promise<boolean>;
  freeBytes(): Promise<number>;
  /** Bytes per cluster (what one file of n bytes takes: ceil(n / clusterSize) clusters). */
  readonly clusterSize: number;
  /**
   * Check the whole volume (check.ts), once; the report lists damage in `problems`. Every change
   * (writeFile, mkdir, deleteFile) runs it first and refuses a damaged volume with E_FAT.
   */
  check(): Promise<FatCheckReport>;
  flush(): Promise<void>;
}

export interface OpenFatOptions {
  /** Clock for timestamps (tests inject one). */
  readonly now?: () => Date;
  /** Check the whole volume now and refuse (E_FAT) a damaged one (default: before the first change). */
  readonly check?: boolean;
  /** What the volume is, in messages ("the config partition (2)"; default: its type and byte offset). */
  readonly name?: string;
  /** Phase given to errors (default 'seed'). */
  readonly phase?: Phase;
}

function toEntry(it: DirItem): FatEntry {
  return {
    name: it.name,
    shortName: it.shortName,
    isDirectory: it.isDirectory,
    size: it.isDirectory ? 0 : it.size,
    modified: it.modified,
    attributes: it.attr,
  };
}

/** Where a path leads: the deepest existing directory, and the names below it that are missing. */
interface Walk {
  readonly dir: Directory;
  readonly missing: string[];
}

class Volume implements FatVolume {
  private queue: Promise<unknown> = Promise.resolve();
  private report: FatCheckReport | undefined;
  /** The dirty flags were cleared (after the first change to a volume found dirty). */
  private cleaned = false;

  public constructor(
    private readonly ctx: FsCtx,
    public readonly label: string,
    private readonly fsInfo: { sector: number; raw: Buffer } | undefined,
    private readonly now: () => Date,
    private bootSector: Buffer,
    private readonly name: string,
    private readonly phase: Phase,
  ) {}

  public get type(): FatType {
    return this.ctx.geo.type;
  }

  public get clusterSize(): number {
    return this.ctx.geo.clusterSize;
  }

  private async runCheck(): Promise<FatCheckReport> {
    this.report ??= await checkFatVolume(this.ctx, this.bootSector);
    return this.report;
  }

  /** Refuse to change a damaged volume (the check runs once, before the first change). */
  private async requireHealthy(): Promise<void> {
    const r = await this.runCheck();
    if (r.problems.length > 0) throw damagedError(r, this.name);
  }

  public check(): Promise<FatCheckReport> {
    return this.serial(() => this.runCheck());
  }

  /** Run operations one at a time; FlashErrors get the target filled in. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run.catch((e: unknown) => {
      throw isFlashError(e) ? e.withContext({ target: this.ctx.io.path, phase: this.phase }) : e;
    });
  }

  private async walk(parts: readonly string[]): Promise<Walk> {
    let dir = await Directory.load(this.ctx, 0);
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i] ?? '';
      const it = dir.find(name);
      if (it === undefined) return { dir, missing: parts.slice(i) };
      if (!it.isDirectory) throw new FlashError('E_FAT', `"${parts.slice(0, i + 1).join('/')}" is a file, not a directory`);
      if (it.cluster < 2) throw new FlashError('E_FAT', `corrupt FAT: directory "${name}" has no cluster`);
      dir = await Directory.load(this.ctx, it.cluster);
    }
    return { dir, missing: [] };
  }

  /** The parent directory of a path and the item it names, if the parent exists. */
  private async lookup(path: string): Promise<{ dir: Directory; item: DirItem | undefined; name: string } | undefined> {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) return undefined;
    const w = await this.walk(parts);
    if (w.missing.length > 0) return undefined;
    return { dir: w.dir, item: w.dir.find(name), name };
  }

  private hooks(): WriteHooks & { touched: boolean } {
    const h = {
      touched: false,
      beforeFirstWrite: async (): Promise<void> => {
        if (h.touched) return;
        h.touched = true;
        await this.writeFsInfo(FSINFO_UNKNOWN);
      },
    };
    return h;
  }

  private async writeFsInfo(freeCount: number): Promise<void> {
    if (this.fsInfo === undefined) return;
    const nextFree = this.ctx.fat.nextFreeHint;
    const raw = updateFsInfo(this.fsInfo.raw, { freeCount, nextFree });
    await this.ctx.io.write(this.fsInfo.sector * this.ctx.geo.bytesPerSector, raw);
  }

  /**
   * Run a change; FSInfo gets the true free count back only when the change completed. A volume
   * found dirty (not cleanly unmounted) but consistent is then marked clean, as fsck.fat would.
   */
  private async mutate(fn: (h: WriteHooks) => Promise<void>): Promise<void> {
    const h = this.hooks();
    await fn(h);
    if (!h.touched) return;
    await this.writeFsInfo(this.ctx.fat.freeClusters);
    await this.markClean();
  }

  private async markClean(): Promise<void> {
    if (this.cleaned || this.report?.dirty !== true) return;
    this.cleaned = true;
    if (!this.ctx.fat.cleanShutdown) {
      this.ctx.fat.markCleanShutdown();
      await this.ctx.fat.flush(this.ctx.io);
    }
    const at = bootStateOffset(this.bootSector, this.ctx.geo.type);
    if (at !== undefined && ((this.bootSector[at] ?? 0) & 1) !== 0) {
      const bs = Buffer.from(this.bootSector);
      bs[at] = (bs[at] ?? 0) & 0xfe;
      await this.ctx.io.write(0, bs);
      this.bootSector = bs;
    }
  }

  public readFile(path: string): Promise<Buffer | undefined> {
    return this.serial(async () => {
      const hit = await this.lookup(path);
      const it = hit?.item;
      if (it === undefined) return undefined;
      if (it.isDirectory) throw new FlashError('E_FAT', `"${path}" is a directory`);
      const chain = this.ctx.fat.chain(it.cluster);
      const cs = this.ctx.geo.clusterSize;
      if (chain.length * cs < it.size) {
        throw new FlashError('E_FAT', `corrupt FAT: "${path}" is ${it.size} bytes but its chain holds ${chain.length * cs}`);
      }
      const need = chain.slice(0, Math.ceil(it.size / cs));
      const parts: Buffer[] = [];
      for (const run of runs(need)) parts.push(await this.ctx.io.read(clusterOffset(this.ctx.geo, run.start), run.count * cs));
      return Buffer.concat(parts).subarray(0, it.size);
    });
  }

  public writeFile(path: string, data: Uint8Array, opts: { mkdirs?: boolean } = {}): Promise<void> {
    return this.serial(async () => {
      const parts = splitPath(path);
      if (parts.length === 0) throw new FlashError('E_FAT', 'writeFile needs a file name, not the root directory');
      await this.requireHealthy();
      const leaf = parts[parts.length - 1] ?? '';
      const w = await this.walk(parts.slice(0, -1));
      if (w.missing.length > 0 && opts.mkdirs !== true) {
        const at = parts.slice(0, parts.length - w.missing.length).join('/');
        throw new FlashError('E_FAT', `directory "${at}" does not exist (use mkdirs to create it)`);
      }
      await this.mutate((h) => createPath(this.ctx, w.dir, [...w.missing, leaf], { kind: 'file', data }, this.now(), h));
    });
  }

  public mkdir(path: string): Promise<void> {
    return this.serial(async () => {
      const parts = splitPath(path);
      await this.requireHealthy();
      const w = await this.walk(parts);
      if (w.missing.length === 0) return;
      await this.mutate((h) => createPath(this.ctx, w.dir, w.missing, { kind: 'dir' }, this.now(), h));
    });
  }

  public deleteFile(path: string): Promise<boolean> {
    return this.serial(async () => {
      splitPath(path);
      await this.requireHealthy();
      const hit = await this.lookup(path);
      if (hit?.item === undefined) return false;
      const item = hit.item;
      await this.mutate((h) => removeFile(this.ctx, hit.dir, item, h));
      return true;
    });
  }

  public list(path: string): Promise<FatEntry[]> {
    return this.serial(async () => {
      const parts = splitPath(path);
      const w = await this.walk(parts);
      if (w.missing.length > 0) throw new FlashError('E_FAT', `directory "${path}" does not exist`);
      return w.dir.scan().items.map(toEntry);
    });
  }

  public stat(path: string): Promise<FatEntry | undefined> {
    return this.serial(async () => {
      const hit = await this.lookup(path);
      return hit?.item === undefined ? undefined : toEntry(hit.item);
    });
  }

  public async exists(path: string): Promise<boolean> {
    if (splitPath(path).length === 0) return true;
    return (await this.stat(path)) !== undefined;
  }

  public freeBytes(): Promise<number> {
    return this.serial(() => Promise.resolve(this.ctx.fat.freeClusters * this.ctx.geo.clusterSize));
  }

  public flush(): Promise<void> {
    return this.serial(() => this.ctx.io.flush());
  }
}

/**
 * Open the FAT volume in bytes [partitionStart, partitionStart + partitionLength) of `disk`.
 *
 * Reads and checks the boot sector, the FAT and (FAT32) FSInfo; with `check`, the whole volume
 * (check.ts; otherwise that runs before the first change). Writes nothing.
 */
export async function openFat(
  disk: DiskIO,
  partitionStart: number,
  partitionLength: number,
  opts: OpenFatOptions = {},
): Promise<FatVolume> {
  const target = disk.path;
  try {
    if (partitionStart < 0 || partitionLength < 512 || partitionStart + partitionLength > disk.size) {
      throw new FlashError('E_FAT', `FAT partition (byte ${partitionStart}, ${partitionLength} bytes) lies outside the disk (${disk.size} bytes)`);
    }
    const io = new VolumeIO(disk, partitionStart, partitionLength);
    const bootSector = await io.read(0, 512);
    const geo: FatGeometry = parseBootSector(bootSector, partitionLength);
    const fat = await FatTable.load(io, geo);
    const ctx: FsCtx = { io, geo, fat };
    let fsInfo: { sector: number; raw: Buffer } | undefined;
    if (geo.fsInfoSector > 0) {
      const raw = await io.read(geo.fsInfoSector * geo.bytesPerSector, geo.bytesPerSector);
      const info = parseFsInfo(raw);
      if (info !== undefined) {
        fsInfo = { sector: geo.fsInfoSector, raw };
        fat.setHint(info.nextFree);
      }
    }
    const root = await Directory.load(ctx, 0);
    const label = root.scan().label ?? geo.bpbLabel;
    const name = opts.name ?? `the ${geo.type} volume at byte ${partitionStart} of ${target}`;
    const vol = new Volume(ctx, label, fsInfo, opts.now ?? ((): Date => new Date()), bootSector, name, opts.phase ?? 'seed');
    if (opts.check === true) {
      const r = await vol.check();
      if (r.problems.length > 0) throw damagedError(r, name);
    }
    return vol;
  } catch (e) {
    throw isFlashError(e) ? e.withContext({ target, phase: opts.phase ?? 'seed' }) : e;
  }
}
