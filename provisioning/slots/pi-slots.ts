/**
 * A/B slots on Raspberry Pi 3os cards, read and switched offline (docs/3os-image-standard.md
 * section 5): one 3os-boot FAT with the slot directories `a/` and `b/`; `config.txt` commits a
 * slot with `os_prefix`; `tryboot.txt` (the same file with the other prefix) is read by the
 * firmware only after a reboot with the one-shot tryboot flag. Offline the committed slot can be
 * switched; a trial needs the running device (the flag is set by its reboot), so it is refused
 * here. The file rules live in pi-config-txt.ts; slots.ts picks this or the UEFI mechanism.
 */
import { FlashError } from '../../flasher/errors.js';
import type { FatVolume } from '../fat/index.js';
import { slotOf, withSlot, type PiSlot } from './pi-config-txt.js';
import type { PlannedSwitch } from './uefi-slots.js';

export const PI_CONFIG = 'config.txt';
export const PI_TRYBOOT = 'tryboot.txt';

export type PiSlotState = { readonly state: 'present' } | { readonly state: 'missing' };

export interface PiSlotStatus {
  readonly platform: 'rpi';
  /** The slot config.txt commits: what a plain boot or reset starts. */
  readonly committed: PiSlot;
  /** What boots next from the card as it is (offline the tryboot flag is never set: the committed slot). */
  readonly next: PiSlot;
  /** A tryboot.txt is on 3os-boot (read by the firmware only after a reboot with the tryboot flag). */
  readonly trybootPending: boolean;
  /** The slot tryboot.txt selects, when it is a 3os layout. */
  readonly trial: PiSlot | undefined;
  /** Why tryboot.txt is not a 3os layout, when it is not. */
  readonly trybootProblem?: string | undefined;
  /** Whether each slot directory is on 3os-boot. */
  readonly a: PiSlotState;
  readonly b: PiSlotState;
}

/** FAT bytes <-> text without losing any byte (see pi-config-txt.ts). */
const decode = (b: Buffer): string => b.toString('latin1');
const encode = (s: string): Buffer => Buffer.from(s, 'latin1');

/** config.txt's text when it sets `os_prefix` at all (the mark of the Pi mechanism), else undefined. */
export async function piConfigText(vol: FatVolume): Promise<string | undefined> {
  const b = await vol.readFile(PI_CONFIG);
  return b === undefined ? undefined : decode(b);
}

async function dirState(vol: FatVolume, slot: PiSlot): Promise<PiSlotState> {
  const st = await vol.stat(slot);
  return st?.isDirectory === true ? { state: 'present' } : { state: 'missing' };
}

/** The Pi slot state of a boot FAT whose config.txt is CONFIG (E_SLOT when it is not a 3os layout). */
export async function readPiSlots(vol: FatVolume, target: string, config: string): Promise<PiSlotStatus> {
  const committed = slotOf(config, { target });
  const tb = await vol.readFile(PI_TRYBOOT);
  let trial: PiSlot | undefined;
  let trybootProblem: string | undefined;
  if (tb !== undefined) {
    try {
      trial = slotOf(decode(tb), { file: PI_TRYBOOT });
    } catch (e) {
      if (!(e instanceof FlashError)) throw e;
      trybootProblem = e.message;
    }
  }
  return { platform: 'rpi', committed, next: committed, trybootPending: tb !== undefined, trial, trybootProblem, a: await dirState(vol, 'a'), b: await dirState(vol, 'b') };
}

/**
 * Plan committing SLOT (reads only; `apply` writes): config.txt gets SLOT's `os_prefix`, every
 * other byte kept; a stale tryboot.txt (a trial prepared for the old state) is removed. Refused,
 * with nothing written: a trial (`tries`), a config.txt that is not a 3os layout, a slot whose
 * directory is not on 3os-boot.
 */
export async function planPiSlot(vol: FatVolume, target: string, config: string, slot: PiSlot, opts: { tries?: number | undefined } = {}): Promise<PlannedSwitch<PiSlotStatus>> {
  if (opts.tries !== undefined) {
    throw new FlashError(
      'E_SLOT',
      `${target}: a trial boot on a Raspberry Pi needs the running device (it reboots with the firmware's one-shot tryboot flag). ` +
        `Offline only the committed slot can change ("slot TARGET ${slot}" without --try); for a trial use "3os-flash serial slot ${slot} --try --port PORT" (docs/serial-protocol.md).`,
      { target, phase: 'slot' },
    );
  }
  const next = withSlot(config, slot, { target });
  if ((await dirState(vol, slot)).state === 'missing') {
    throw new FlashError('E_SLOT', `${target}: 3os-boot has no ${slot}/ directory, so slot ${slot} has no kernel to boot`, { target, phase: 'slot' });
  }
  return {
    apply: async () => {
      if (next !== config) await vol.writeFile(PI_CONFIG, encode(next));
      if (await vol.exists(PI_TRYBOOT)) await vol.deleteFile(PI_TRYBOOT);
      await vol.flush();
      return readPiSlots(vol, target, next);
    },
  };
}
