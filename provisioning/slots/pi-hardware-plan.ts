/**
 * The seed step's Raspberry Pi part (planDisk, provisioning/grow/disk-plan.ts): the config's
 * `raspberry_pi` section rendered into the committed slot's config.txt on 3os-boot, between the
 * `# 3os:hardware` markers (pi-config-txt.ts withHardwareBlock; lines from
 * provisioning/config/pi-hardware.ts). Checked before anything is written: 3os-boot must be a
 * 3os Pi layout and every dtoverlay must be one the committed slot ships in its overlays/
 * directory (an image without that directory, like Debian's mainline device trees, ships none).
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';
import { configInvalid, type ConfigIssue } from '../config/issues.js';
import { piHardwareLines, type RaspberryPiHardware } from '../config/pi-hardware.js';
import { openFat } from '../fat/index.js';
import type { PartitionPlace } from '../partition/index.js';
import { slotOf, withHardwareBlock, type PiSlot } from './pi-config-txt.js';
import { PI_CONFIG } from './pi-slots.js';

export interface PiHardwarePlan {
  readonly slot: PiSlot;
  readonly lines: readonly string[];
  /** config.txt changes (false when the block is already as rendered). */
  readonly changed: boolean;
}

/** The overlay names a slot ships (`<slot>/overlays/*.dtbo`), or undefined when it has no overlays directory. */
async function shippedOverlays(vol: Awaited<ReturnType<typeof openFat>>, slot: PiSlot): Promise<string[] | undefined> {
  const dir = `${slot}/overlays`;
  const st = await vol.stat(dir);
  if (st?.isDirectory !== true) return undefined;
  return (await vol.list(dir)).filter((f) => !f.isDirectory && /\.dtbo$/i.test(f.name)).map((f) => f.name.replace(/\.dtbo$/i, '')).sort();
}

/**
 * Plan the hardware block on DISK (a StagedDisk in planDisk: the write is recorded, not done).
 * E_CONFIG_INVALID for an overlay the image does not ship or a card that is not a Pi image;
 * E_SLOT for a config.txt that is not a 3os layout.
 */
export async function planPiHardware(disk: DiskIO, boot: PartitionPlace | undefined, hw: RaspberryPiHardware, now: Date): Promise<PiHardwarePlan> {
  const target = disk.path;
  const notPi = (why: string): FlashError => configInvalid([{ path: ['raspberry_pi'], message: why }], 'config', 'seed');
  if (boot === undefined) throw notPi(`${target} has no 3os-boot partition, so no Raspberry Pi config.txt to set up`);
  const vol = await openFat(disk, boot.start, boot.size, { check: true, now: () => now, name: `${target}: 3os-boot (${boot.index}, FAT)`, phase: 'seed' });
  const raw = await vol.readFile(PI_CONFIG);
  if (raw === undefined) throw notPi(`the image on ${target} is not a Raspberry Pi image (no config.txt on 3os-boot)`);
  const text = raw.toString('latin1');
  const slot = slotOf(text, { target });
  const overlays = hw.dtoverlays ?? [];
  if (overlays.length > 0) {
    const shipped = await shippedOverlays(vol, slot);
    const issues: ConfigIssue[] = [];
    overlays.forEach((o, i) => {
      if (shipped === undefined) issues.push({ path: ['raspberry_pi', 'dtoverlays', i, 'name'], message: `the image ships no device tree overlays (no ${slot}/overlays/ on 3os-boot, as with Debian's mainline device trees), so "${o.name}" cannot be loaded` });
      else if (!shipped.includes(o.name)) issues.push({ path: ['raspberry_pi', 'dtoverlays', i, 'name'], message: `the image has no overlay "${o.name}"; it ships: ${shipped.join(', ') || '(none)'}` });
    });
    if (issues.length > 0) throw configInvalid(issues, 'config', 'seed');
  }
  const lines = piHardwareLines(hw);
  const next = withHardwareBlock(text, lines);
  if (next !== text) await vol.writeFile(PI_CONFIG, Buffer.from(next, 'latin1'));
  await vol.flush();
  return { slot, lines, changed: next !== text };
}
