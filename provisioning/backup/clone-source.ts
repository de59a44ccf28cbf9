/**
 * The source of `clone`: a drive read through the write engine's fan-out like a raw image file,
 * with a block map made from its in-use map (in-use.ts) instead of a .bmap file, so free space
 * is neither read nor written. Regions whose contents are not understood are copied whole (no
 * zero detection: a clone is written once, and zeros that matter must land on the target).
 * The drive stays open read-only and exclusively (flasher/backup/source.ts) until the job ends.
 */
import { Readable } from 'node:stream';
import { gptSectorSize } from '../../flasher/disk-io.js';
import { openBackupSource, type OpenSourceOptions } from '../../flasher/backup/source.js';
import { normalizeRegions } from '../../flasher/backup/usage.js';
import type { JobEvent } from '../../flasher/progress.js';
import type { OpenedImage } from '../../flasher/source/open-image.js';
import type { JobSource } from '../../flasher/write/job.js';
import type { BmapLike } from '../../flasher/write/bmap-ranges.js';
import { diskUsage } from './in-use.js';

const BLOCK = 4096;

/** Open `path` as a job source; `onEvent` hears what the map is made of. */
export async function openCloneSource(path: string, onEvent: (e: JobEvent) => void, opts: OpenSourceOptions = {}): Promise<JobSource> {
  const src = await openBackupSource(path, opts);
  try {
    for (const w of src.warnings) onEvent({ kind: 'info', target: path, message: `warning: ${w}` });
    const usage = await diskUsage(src.disk);
    const regions = normalizeRegions(usage.regions, src.size, BLOCK);
    const ranges: { first: number; last: number; checksum: undefined }[] = [];
    for (const r of regions) {
      const first = r.start / BLOCK;
      const last = Math.ceil(r.end / BLOCK) - 1;
      const prev = ranges[ranges.length - 1];
      if (prev !== undefined && prev.last + 1 === first) prev.last = last;
      else ranges.push({ first, last, checksum: undefined });
    }
    const bytes = regions.reduce((n, r) => n + (r.end - r.start), 0);
    onEvent({ kind: 'info', target: path, message: `clone source: ${bytes} of ${src.size} bytes in use (${usage.method})` });
    for (const n of usage.notes) onEvent({ kind: 'info', target: path, message: n });
    const bmap: BmapLike = { imageSize: src.size, blockSize: BLOCK, checksumType: undefined, ranges };
    const sectorSize = gptSectorSize(await src.disk.read(0, Math.min(8192, src.size)));
    // The engine reads a raw local source straight into its chunks, only where the map says.
    const image: OpenedImage = {
      spec: path,
      format: 'raw',
      localPath: path,
      compressedSize: src.size,
      size: src.size,
      sizeExact: true,
      decoder: 'none (a drive, read by its in-use map)',
      entryName: undefined,
      stream: Readable.from([]),
      slabReader: () => undefined,
      sourceBytes: () => 0,
      rawSha256: () => undefined,
      close: () => src.close(),
    };
    return { image, bmap, size: src.size, sectorSize, close: () => src.close() };
  } catch (e) {
    await src.close();
    throw e;
  }
}
