/**
 * Repair run in this process (the dev bridge, which is root): the same target checks a flash
 * gets (safety rules: never the system drive; unmount), then the engine's repair, which checks
 * both layouts before its first write, rewrites 3os-boot/root-a/root-b, reads them back, and keeps
 * 3os-data and the config. The Electron app has no elevated repair path yet (see docs/app.md).
 */
import { assessTargets } from '../../flasher/drives/assess.js';
import { detect3os } from '../../provisioning/detect/detect-3os.js';
import { prepareTarget } from '../../flasher/drives/prepare.js';
import { FlashError } from '../../flasher/errors.js';
import { openTargetDisk } from '../../provisioning/pipeline.js';
import { repairDisk } from '../../provisioning/repair/repair-disk.js';
import type { RepairView } from '../ipc/contract-types.js';
import { isUrl } from './image-info.js';

export type RepairRunner = (image: string, target: string) => Promise<RepairView>;

export async function runRepairDirect(image: string, target: string): Promise<RepairView> {
  const t0 = Date.now();
  const [check] = await assessTargets([target], { imagePath: isUrl(image) ? undefined : image, allowSystemDrive: false, detect3os });
  const refusal = check?.refusals[0];
  if (check !== undefined && refusal !== undefined) {
    throw new FlashError(refusal.code, check.refusals.map((r) => r.message).join('; '), { target, phase: 'open' });
  }
  await prepareTarget(target, { allowSystemDrive: false });
  const disk = await openTargetDisk(target, true);
  try {
    const r = await repairDisk(image, disk);
    return {
      target: r.target,
      partitions: r.partitions.map((p) => ({ name: p.name, bytes: p.bytes, sha256: p.sha256 })),
      imageJsonUpdated: r.imageJsonUpdated,
      kept: r.kept,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    await disk.close();
  }
}
