/**
 * The seed step of a flash (FlashSpec.seed): put each device's rendered config files
 * (3os/config.yaml + 3os/config.agent) into its 3OS-CONFIG partition through our FAT writer,
 * without mounting, then flush. A disk without a 3os config partition is E_NOT_3OS (the image
 * on it stays valid; only the settings are missing).
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';
import type { RenderedConfig } from '../../provisioning/config/render.js';
import { openFat } from '../../provisioning/fat/index.js';
import { find3osPartitions, readPartitionTable } from '../../provisioning/partition/index.js';
import type { FlashSpec } from '../../provisioning/pipeline.js';

export async function seedDisk(disk: DiskIO, target: string, rendered: RenderedConfig): Promise<{ files: string[]; hostname: string | undefined }> {
  const layout = find3osPartitions(await readPartitionTable(disk));
  if (layout.config === undefined) {
    throw new FlashError('E_NOT_3OS', `${target} has no 3os config partition (3os-config): the settings were not written`, { target, phase: 'seed' });
  }
  const fat = await openFat(disk, layout.config.start, layout.config.size);
  for (const f of rendered.seedFiles) await fat.writeFile(f.path, f.data, { mkdirs: true });
  await fat.flush();
  return { files: rendered.seedFiles.map((f) => f.path), hostname: rendered.config.hostname };
}

/** A seed hook for a batch: target number i gets rendered[i]. */
export function seedHook(rendered: readonly RenderedConfig[]): NonNullable<FlashSpec['seed']> {
  return async (disk, target, index) => {
    const r = rendered[index];
    if (r === undefined) return undefined;
    return seedDisk(disk, target, r);
  };
}
