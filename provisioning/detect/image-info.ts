/**
 * Read an image's own 3os/image.json (what it is: flavor, version, arch, boards) and the kind of
 * its partition table (GPT or the MBR variant) without writing it anywhere, so a file or URL can be
 * checked against the board (flasher/catalog/merge.ts checkFit), catalog entry or not.
 *
 * A raw local image is read in place through a read-only DiskIO. A compressed image (or a URL) is
 * decoded as a stream and only two windows are kept in memory: the first MiB (partition table)
 * and the config partition (at most 128 MiB); everything else is decoded and dropped, and decoding
 * stops once the config partition has been read. A 3os config partition sits right after the
 * 256 MiB boot partition, so this reads ~300 MiB of decoded data and holds ~33-65 MiB.
 */
import { promises as fsp } from 'node:fs';
import { openDisk, type DiskIO } from '../../flasher/disk-io.js';
import { FlashError, isFlashError } from '../../flasher/errors.js';
import { find3osPartitions, readPartitionTable, type PartitionPlace } from '../partition/index.js';
import { openFat } from '../fat/index.js';
import { detectFormat, DETECT_BYTES } from '../../flasher/source/detect-format.js';
import { openImage } from '../../flasher/source/open-image.js';
import { localImagePath } from '../../flasher/source/image-spec.js';
import { IMAGE_JSON_PATH, parseImageJson, type ImageInfo } from '../../flasher/catalog/image-json.js';

/** What image.json says, plus the partition table the image itself carries. */
export interface ImageFileInfo extends ImageInfo {
  readonly partitionTable: 'gpt' | 'mbr';
}

const HEAD = 1024 * 1024;
const MAX_CONFIG_BYTES = 128 * 1024 * 1024;
const MAX_CONFIG_END = 8 * 1024 ** 3;

/** A read-only disk made of a few in-memory windows; bytes outside them read as zeros. */
class WindowDisk implements DiskIO {
  public readonly sectorSize = 512;
  public constructor(
    public readonly path: string,
    public readonly size: number,
    private readonly windows: readonly { start: number; data: Buffer }[],
  ) {}

  public read(offset: number, length: number): Promise<Buffer> {
    const out = Buffer.alloc(length);
    for (const w of this.windows) {
      const s = Math.max(offset, w.start);
      const e = Math.min(offset + length, w.start + w.data.length);
      if (s < e) w.data.copy(out, s - offset, s - w.start, e - w.start);
    }
    return Promise.resolve(out);
  }

  public write(): Promise<void> {
    return Promise.reject(new FlashError('E_TARGET_READONLY', `${this.path} is opened read-only`));
  }

  public flush(): Promise<void> {
    return Promise.resolve();
  }

  public close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The config partition and the table kind it was found in. */
interface ConfigPlace extends PartitionPlace {
  readonly table: 'gpt' | 'mbr';
}

async function infoFromDisk(disk: DiskIO, config: ConfigPlace | undefined): Promise<ImageFileInfo | undefined> {
  if (config === undefined) return undefined;
  const fat = await openFat(disk, config.start, config.size);
  const raw = await fat.readFile(IMAGE_JSON_PATH);
  return raw === undefined ? undefined : { ...parseImageJson(raw), partitionTable: config.table };
}

async function configOf(disk: DiskIO): Promise<ConfigPlace | undefined> {
  try {
    const layout = find3osPartitions(await readPartitionTable(disk));
    return layout.config === undefined ? undefined : { ...layout.config, table: layout.kind };
  } catch (e) {
    if (isFlashError(e) && e.code === 'E_PARTITION_TABLE') return undefined;
    throw e;
  }
}

async function fromRawFile(path: string): Promise<ImageFileInfo | undefined> {
  for (const sectorSize of [512, 4096]) {
    const disk = await openDisk(path, { writable: false, sectorSize });
    try {
      const config = await configOf(disk);
      if (config !== undefined) return await infoFromDisk(disk, config);
    } finally {
      await disk.close();
    }
  }
  return undefined;
}

async function fromStream(spec: string, signal: AbortSignal | undefined): Promise<ImageFileInfo | undefined> {
  const img = await openImage(spec, { hashRaw: false, signal });
  try {
    const head = Buffer.alloc(HEAD);
    let pos = 0;
    let config: ConfigPlace | undefined;
    let cfg: Buffer | undefined;
    let size = img.size ?? Number.MAX_SAFE_INTEGER;
    for await (const c of img.stream) {
      const chunk = c as Buffer;
      const at = pos;
      pos += chunk.length;
      if (at < HEAD) chunk.copy(head, at, 0, Math.min(chunk.length, HEAD - at));
      if (cfg === undefined && pos >= HEAD) {
        const disk = new WindowDisk(spec, size, [{ start: 0, data: head }]);
        config = await configOf(disk);
        if (config === undefined) return undefined;
        if (config.size > MAX_CONFIG_BYTES || config.start + config.size > MAX_CONFIG_END) {
          throw new FlashError('E_NOT_3OS', `the config partition of ${spec} is too large or too far in to inspect (${config.size} bytes at ${config.start})`, { phase: 'source' });
        }
        cfg = Buffer.alloc(config.size);
        // A config partition inside the first MiB (not the standard layout, but legal).
        if (config.start < HEAD) head.copy(cfg, 0, config.start, Math.min(HEAD, config.start + config.size));
      }
      if (cfg !== undefined && config !== undefined) {
        const s = Math.max(at, config.start);
        const e = Math.min(pos, config.start + config.size);
        if (s < e) chunk.copy(cfg, s - config.start, s - at, e - at);
        if (pos >= config.start + config.size) break;
      }
    }
    if (cfg === undefined || config === undefined || pos < config.start + config.size) return undefined;
    size = Math.max(size === Number.MAX_SAFE_INTEGER ? 0 : size, config.start + config.size);
    const disk = new WindowDisk(spec, size, [{ start: 0, data: head }, { start: config.start, data: cfg }]);
    return await infoFromDisk(disk, config);
  } finally {
    await img.close();
  }
}

/**
 * The image's 3os/image.json and partition table kind, or undefined when it is not a 3os image (no
 * config partition or no such file). Reads only; nothing is written anywhere.
 */
export async function readImageInfo(spec: string, opts: { signal?: AbortSignal } = {}): Promise<ImageFileInfo | undefined> {
  const path = localImagePath(spec);
  if (path !== undefined) {
    const fh = await fsp.open(path, 'r').catch((e: unknown) => {
      throw new FlashError('E_SOURCE_MISSING', `cannot open ${spec}: ${e instanceof Error ? e.message : String(e)}`, { phase: 'source', cause: e });
    });
    let head: Buffer;
    try {
      head = Buffer.alloc(DETECT_BYTES);
      const { bytesRead } = await fh.read(head, 0, DETECT_BYTES, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
    if (head.length > 0 && detectFormat(head) === 'raw') return fromRawFile(path);
  }
  return fromStream(spec, opts.signal);
}
