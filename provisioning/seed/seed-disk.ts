/**
 * Seeding: write a rendered, validated first-boot configuration into a disk's config partition
 * (3os/config.yaml + 3os/config.agent; cloud-init NoCloud or Ignition files for images whose
 * first boot uses those), then read every file back. A previous device's 3os/result.json is
 * removed: it described another configuration. A config with a `raspberry_pi` section also sets
 * the hardware block in the committed slot's config.txt on 3os-boot, in the same plan.
 *
 * Both functions go through planDisk (provisioning/grow/disk-plan.ts): the partition table and
 * the whole config FAT are read and checked and every write is planned before the first byte is
 * written, so a damaged FAT (E_FAT), a full one (E_FAT_FULL) or a disk that is not 3os
 * (E_NOT_3OS) leaves the disk as it was. To grow and seed in one plan, call planDisk directly.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import type { RenderedConfig } from '../config/index.js';
import type { RaspberryPiHardware } from '../config/pi-hardware.js';
import { planDisk } from '../grow/disk-plan.js';

export type FirstBootFormat = '3os-native' | 'cloud-init' | 'ignition';

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
  const files = await writeSeedFiles(disk, seedFilesFor(rendered, format), rendered.config.raspberry_pi);
  return { files, hostname: rendered.config.hostname, digest: rendered.digest };
}

/**
 * Write already rendered files into the config partition, drop a stale result.json, and read
 * every file back (planned first: see the module comment). Used by seedDisk and by the
 * privileged helper, which gets files rendered and validated by its unprivileged parent.
 */
export async function writeSeedFiles(disk: DiskIO, files: readonly { readonly path: string; readonly data: Buffer }[], piHardware?: RaspberryPiHardware): Promise<string[]> {
  const plan = await planDisk(disk, { seed: { files, piHardware } });
  await plan.apply();
  return files.map((f) => f.path);
}
