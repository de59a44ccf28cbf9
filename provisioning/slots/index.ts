/** A/B slot switching offline: systemd-boot entries (UEFI) or config.txt os_prefix (Raspberry Pi). */
export { planSlot, readSlots, setSlot, type SlotStatus } from './slots.js';
export { DEFAULT_TRIES, type Slot, type SlotState, type UefiSlotStatus } from './uefi-slots.js';
export type { PiSlotState, PiSlotStatus } from './pi-slots.js';
