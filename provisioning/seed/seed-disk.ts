/**
 * Seeding: write a rendered, validated first-boot configuration into a disk's config partition
 * (3os/config.yaml + 3os/config.agent; cloud-init NoCloud or Ignition files for images whose
 * first boot uses those), then read every file back. A previous device's 3os/result.json is
 * removed: it described another configuration.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';
import type { RenderedConfig } from '../config/index.js';
import { openConfigPartition } from './config-partition.js';

export type FirstBootFormat = '3os-native' | 'cloud-init' | 'ignition';

export const RESULT_PATH = '3os/result.json';

export interface SeedResult {
  readonly files: readonly string[];
  readonly hostname?: string | undefined;
  readonly digest: string;
}

/** The files a rendered config puts on the config partition for a first-boot format (one home: CLI, app, helper plans). */
export function seedFilesFor(rendered: RenderedConfig, format: FirstBootFormat): { path: string; data: Buffer }[] {
  const files = rendered.seedFiles.map((f) => ({ path: f.path, data: Buffer.from(f.data) }));
  if (format === 'cloud-init') {
    files.push({ path: 'user-data', data: Buffer.from(rendered.cloudInit.userData) });
    files.push({ path: 'meta-data', data: Buffer.from(rendered.cloudInit.metaData) });
    if (rendered.cloudInit.networkConfig !== undefined) files.push({ path: 'network-config', data: Buffer.from(rendered.cloudInit.networkConfig) });
  } else if (format === 'ignition') {
    files.push({ path: 'ignition/config.ign', data: Buffer.from(rendered.ignition) });
  }
  return files;
}

export async function seedDisk(disk: DiskIO, rendered: RenderedConfig, format: FirstBootFormat = '3os-native'): Promise<SeedResult> {
  const files = await writeSeedFiles(disk, seedFilesFor(rendered, format));
  return { files, hostname: rendered.config.hostname, digest: rendered.digest };
}

/**
 * Write already rendered files into the config partition (free space checked first), drop a stale
 * result.json, and read every file back. Used by seedDisk and by the privileged helper, which gets
 * files rendered and validated by its unprivileged parent.
 */
export async function writeSeedFiles(disk: DiskIO, files: readonly { readonly path: string; readonly data: Buffer }[]): Promise<string[]> {
  const { volume } = await openConfigPartition(disk);
  const need = files.reduce((n, f) => n + f.data.length, 0);
  const free = await volume.freeBytes();
  if (need > free) {
    throw new FlashError('E_FAT_FULL', `${disk.path}: the config partition has ${free} bytes free, the configuration needs ${need}`, { target: disk.path, phase: 'seed' });
  }
  for (const f of files) await volume.writeFile(f.path, f.data, { mkdirs: true });
  await volume.deleteFile(RESULT_PATH);
  await volume.flush();
  for (const f of files) {
    const back = await volume.readFile(f.path);
    if (back === undefined || !back.equals(f.data)) {
      throw new FlashError('E_VERIFY_MISMATCH', `${disk.path}: ${f.path} reads back differently after seeding`, { target: disk.path, phase: 'seed' });
    }
  }
  return files.map((f) => f.path);
}
