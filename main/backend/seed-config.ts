/**
 * The settings half of a flash from the app: per target, the seed hook (the rendered config
 * written into the 3OS-CONFIG partition by provisioning/seed, read back) and the storage policy
 * that device's config asks the grow step for. Target number i gets rendered[i].
 */
import { parseStoragePolicy, type StoragePolicy } from '../../provisioning/lvm/index.js';
import type { RenderedConfig } from '../../provisioning/config/render.js';
import type { FlashSpec } from '../../provisioning/pipeline.js';
import { seedDisk } from '../../provisioning/seed/seed-disk.js';

export function seedHook(rendered: readonly RenderedConfig[]): NonNullable<FlashSpec['seed']> {
  return async (disk, _target, index) => {
    const r = rendered[index];
    if (r === undefined) return undefined;
    const s = await seedDisk(disk, r);
    return { files: [...s.files], hostname: s.hostname };
  };
}

export function policyHook(rendered: readonly RenderedConfig[]): (index: number) => StoragePolicy | undefined {
  const policies = rendered.map((r) => (r.config.storage === undefined ? undefined : parseStoragePolicy(r.config.storage, 'storage')));
  return (index) => policies[index];
}
