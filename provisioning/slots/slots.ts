/**
 * Offline A/B slots of a 3os disk, whatever the platform: opens 3os-boot once and picks the
 * mechanism by what is on it (docs/3os-image-standard.md section 5): `loader/entries` ->
 * systemd-boot (uefi-slots.ts); `config.txt` with `os_prefix` -> Raspberry Pi (pi-slots.ts). An
 * arm64 card carrying both is switched in both, so it boots the chosen slot on either kind of
 * board. Every check runs before the first write: a refused switch leaves the disk as it was.
 */
import type { DiskIO } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';
import { openFat, type FatVolume } from '../fat/index.js';
import { find3osPartitions, readPartitionTable } from '../partition/index.js';
import { parsePiConfig, slotOf } from './pi-config-txt.js';
import { piConfigText, planPiSlot, readPiSlots, type PiSlotStatus } from './pi-slots.js';
import { hasUefiSlots, planUefiSlot, readUefiSlots, type PlannedSwitch, type Slot, type UefiSlotStatus } from './uefi-slots.js';

/** UEFI status, or the Pi's (with the UEFI status beside it on a card that carries both). */
export type SlotStatus = UefiSlotStatus | (PiSlotStatus & { readonly uefi?: UefiSlotStatus | undefined });

interface Boot {
  readonly vol: FatVolume;
  readonly target: string;
  readonly uefi: boolean;
  /** config.txt's text when the card uses the Pi mechanism. */
  readonly pi: string | undefined;
}

/** Open 3os-boot and find its slot mechanism(s); E_SLOT when there is none, or a broken Pi one. */
export async function openBoot(disk: DiskIO): Promise<Boot> {
  const target = disk.path;
  const layout = find3osPartitions(await readPartitionTable(disk));
  if (layout.boot === undefined) throw new FlashError('E_NOT_3OS', `${target}: no 3os-boot partition`, { target, phase: 'slot' });
  const vol = await openFat(disk, layout.boot.start, layout.boot.size);
  const uefi = await hasUefiSlots(vol);
  const config = await piConfigText(vol);
  const usesPrefix = config !== undefined && parsePiConfig(config).some((l) => l.kind === 'setting' && l.key === 'os_prefix');
  if (config !== undefined && (usesPrefix || !uefi)) slotOf(config, { target }); // not a 3os Pi layout: refused here, untouched
  if (!uefi && config === undefined) {
    throw new FlashError('E_SLOT', `${target}: 3os-boot has neither loader/entries (systemd-boot) nor config.txt (Raspberry Pi): no A/B slots to show or switch`, { target, phase: 'slot' });
  }
  return { vol, target, uefi, pi: usesPrefix ? config : undefined };
}

export async function readSlots(disk: DiskIO): Promise<SlotStatus> {
  const b = await openBoot(disk);
  if (b.pi === undefined) return readUefiSlots(b.vol);
  const pi = await readPiSlots(b.vol, b.target, b.pi);
  return b.uefi ? { ...pi, uefi: await readUefiSlots(b.vol) } : pi;
}

/**
 * Make SLOT the one that boots next. UEFI: see planUefiSlot (`tries` = a trial with boot
 * counting). Raspberry Pi: a committed switch in config.txt; a trial (`tries`) is refused offline.
 */
export async function setSlot(disk: DiskIO, slot: Slot, opts: { tries?: number | undefined } = {}): Promise<SlotStatus> {
  return (await planSlot(disk, slot, opts)).apply();
}

/** Every check of setSlot, reading only; `apply` then writes. The CLI calls it read-only to refuse before the guard asks. */
export async function planSlot(disk: DiskIO, slot: Slot, opts: { tries?: number | undefined } = {}): Promise<PlannedSwitch<SlotStatus>> {
  const b = await openBoot(disk);
  const pi = b.pi === undefined ? undefined : await planPiSlot(b.vol, b.target, b.pi, slot, opts);
  const uefi = b.uefi ? await planUefiSlot(b.vol, b.target, slot, opts) : undefined;
  return {
    apply: async () => {
      const u = await uefi?.apply();
      const p = await pi?.apply();
      if (p === undefined) {
        if (u === undefined) throw new FlashError('E_SLOT', `${b.target}: no slot mechanism on 3os-boot`, { target: b.target, phase: 'slot' });
        return u;
      }
      return u === undefined ? p : { ...p, uefi: u };
    },
  };
}
