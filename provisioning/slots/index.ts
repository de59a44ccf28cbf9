/** A/B slot switching offline (UEFI/systemd-boot). */
export { readSlots, setSlot, DEFAULT_TRIES, type Slot, type SlotState, type SlotStatus } from './uefi-slots.js';
