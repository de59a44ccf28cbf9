/**
 * Engine error codes in words a technician understands, with what to try next. One table for
 * the app (main process and renderer); the engine's exact message stays in `detail`, one click
 * away in the UI. Pure: the renderer imports it for per-target errors in job events.
 */
import type { UserError } from './contract-types.js';

interface Text {
  readonly title: string;
  readonly hint?: string;
}

const TEXT: Readonly<Record<string, Text>> = {
  E_USAGE: { title: 'The request was not understood.' },
  E_SOURCE_MISSING: { title: 'The image file was not found.', hint: 'Check the path or choose the file again.' },
  E_SOURCE_UNREADABLE: { title: 'The image file could not be read.', hint: 'Check that the file is not damaged and that you may read it.' },
  E_FORMAT_UNKNOWN: { title: 'This file is not a disk image the flasher knows.', hint: 'Use a .img, .img.xz, .img.gz, .img.zst, .img.bz2 or .zip image.' },
  E_FORMAT_CORRUPT: { title: 'The image file is damaged.', hint: 'Download it again.' },
  E_TRUNCATED: { title: 'The image file ends too early (incomplete download?).', hint: 'Download it again.' },
  E_CHECKSUM: { title: 'The image does not match its published checksum.', hint: 'Download it again; do not use this copy.' },
  E_BMAP: { title: 'The block map (.bmap) does not belong to this image.' },
  E_NETWORK: { title: 'The image could not be downloaded.', hint: 'Check the network and the URL, then try again.' },
  E_TOO_SMALL: { title: 'The drive is too small for this image.', hint: 'Use a larger card or drive.' },
  E_TARGET_INVALID: { title: 'This is not a drive or image file that can be written.' },
  E_TARGET_MISSING: { title: 'The drive is no longer there.', hint: 'Plug it in again and pick it from the list.' },
  E_TARGET_READONLY: { title: 'The drive is write-protected.', hint: "Slide the card's lock switch to unlocked, or use another drive." },
  E_TARGET_BUSY: { title: 'The drive is in use by the system.', hint: 'Close programs using it (or deactivate its LVM/RAID), then try again.' },
  E_TARGET_HOLDS_SOURCE: { title: 'The drive holds the image you are writing.', hint: 'Copy the image to another disk first.' },
  E_TARGET_SYSTEM: { title: 'This is a system drive: writing it would destroy the running computer.' },
  E_WRITE_IO: { title: 'Writing to the drive failed.', hint: 'The card may be worn out or badly seated; try another card or reader.' },
  E_UNPLUGGED: { title: 'The drive was unplugged while writing.', hint: 'Plug it in again and flash it again.' },
  E_VERIFY_MISMATCH: { title: 'What was read back differs from the image: the drive is not reliable.', hint: 'Do not use this card; try another one.' },
  E_PARTITION_TABLE: { title: 'The partition table on the drive could not be understood.' },
  E_LVM_UNSUPPORTED: { title: 'The data volume uses an LVM layout the flasher cannot grow.' },
  E_LVM_CORRUPT: { title: 'The data volume metadata is damaged.' },
  E_GROW: { title: 'The data volume could not be grown (the image itself is fine).' },
  E_CONFIG_INVALID: { title: 'The settings are not valid.', hint: 'Fix the fields marked in the form.' },
  E_FAT: { title: 'The config partition could not be read or written.' },
  E_FAT_FULL: { title: 'The config partition is full.' },
  E_CATALOG: { title: 'The image catalog cannot provide this image.', hint: 'Read the details: an image that is "not published yet" cannot be downloaded; use a local file or URL.' },
  E_UNSIGNED: { title: 'This image is not signed.', hint: 'Use a signed image, or a local file you trust.' },
  E_SIGNATURE: { title: 'The image signature does not match: the file is tampered or corrupted.' },
  E_UNTRUSTED_KEY: { title: 'The image is signed by a key this app does not trust.' },
  E_BOARD_MISMATCH: { title: 'This image does not fit the chosen board.' },
  E_OFFLINE: { title: 'The image is not in the download cache and the app is offline.' },
  E_NOT_3OS: { title: 'This is not a 3os disk: it has no 3os config partition.' },
  E_SERIAL: { title: 'The device did not answer on the serial line.', hint: 'Check the cable, the port and the speed (usually 115200).' },
  E_CANCELLED: { title: 'Cancelled.' },
  E_ELEVATION: { title: 'Administrator rights were not granted.', hint: 'Writing drives needs them; approve the system prompt.' },
  E_HELPER: { title: 'The writer process stopped unexpectedly.', hint: 'Try again; if it repeats, save the details for support.' },
  E_INTERNAL: { title: 'Something went wrong inside the flasher.', hint: 'Save the details for support.' },
};

/** The user-facing form of an engine error (code + message). */
export function userError(code: string, message: string): UserError {
  const t = TEXT[code] ?? TEXT.E_INTERNAL ?? { title: 'Something went wrong.' };
  return { code, title: t.title, hint: t.hint, detail: message };
}
