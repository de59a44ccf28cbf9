/**
 * Engine error codes in words a technician understands, with what to try next. One table for
 * the app (main process and renderer) and the CLI's hints; the engine's exact message stays in
 * `detail`, one click away in the UI. Pure: the renderer imports it for per-target errors in job
 * events.
 */
import type { ErrorCode } from '../../flasher/errors.js';
import type { UserError } from './contract-types.js';

export interface ErrorText {
  /** What happened, in one sentence. */
  readonly title: string;
  /** What to try next (the app shows it under the title). */
  readonly hint?: string;
  /** The hint for a terminal, where the app's words (forms, lists, prompts) do not fit; else `hint`. */
  readonly cli?: string;
}

/** Every engine error code has its text: the compiler checks the table covers ERROR_CODES. */
const TEXT: Readonly<Record<ErrorCode, ErrorText>> = {
  E_USAGE: { title: 'The request was not understood.', cli: 'Run 3os-flash VERB --help for the options.' },
  E_SOURCE_MISSING: { title: 'The image file was not found.', hint: 'Check the path or choose the file again.', cli: 'Check the path, URL or catalog id.' },
  E_SOURCE_UNREADABLE: { title: 'The image file could not be read.', hint: 'Check that the file is not damaged and that you may read it.' },
  E_FORMAT_UNKNOWN: { title: 'This file is not a disk image the flasher knows.', hint: 'Use a .img, .img.xz, .img.gz, .img.zst, .img.bz2 or .zip image.' },
  E_FORMAT_CORRUPT: { title: 'The image file is damaged.', hint: 'Download it again.' },
  E_TRUNCATED: { title: 'The image file ends too early (incomplete download?).', hint: 'Download it again.' },
  E_CHECKSUM: { title: 'The image does not match its published checksum.', hint: 'Download it again; do not use this copy.' },
  E_BMAP: { title: 'The block map (.bmap) does not belong to this image.', hint: 'Use the .bmap published with this image, or write without one.', cli: 'Give the .bmap published with this image (--bmap FILE), or move the stray one away.' },
  E_NETWORK: { title: 'The image could not be downloaded.', hint: 'Check the network and the URL, then try again.' },
  E_SOURCE_IO: { title: 'The drive being read failed or went away.', hint: 'The card may be failing: reseat it and try again, or save what can be read with a data-recovery tool.' },
  E_SOURCE_BUSY: { title: 'The drive being read is in use (mounted read-write), so its contents could change while it is read.', hint: 'Unmount it first.', cli: 'Unmount it first, or accept a possibly inconsistent copy with --allow-mounted.' },
  E_OUTPUT_EXISTS: { title: 'The backup file already exists.', hint: 'Choose another name.', cli: 'Choose another name, or replace it with --force.' },
  E_OUTPUT_FULL: { title: 'The destination disk is full.', hint: 'Free space there or choose another destination; a compressed format (.zst) needs less room.' },
  E_TOO_SMALL: { title: 'The drive is too small for this image.', hint: 'Use a larger card or drive.' },
  E_TARGET_INVALID: { title: 'This is not a drive or image file that can be written.', hint: 'Choose a whole drive (not a partition) or an image file.' },
  E_TARGET_MISSING: { title: 'The drive is no longer there.', hint: 'Plug it in again and pick it from the list.', cli: 'Plug it in again; 3os-flash drives lists what is there.' },
  E_TARGET_READONLY: { title: 'The drive is write-protected.', hint: "Slide the card's lock switch to unlocked, or use another drive.", cli: "Are you root? Is the card's lock switch on?" },
  E_TARGET_BUSY: { title: 'The drive is in use by the system.', hint: 'Close programs using it (or deactivate its LVM/RAID), then try again.', cli: 'Unmount it first (or deactivate its LVM/RAID), or close the program using it.' },
  E_TARGET_HOLDS_SOURCE: { title: 'The drive holds the image you are writing.', hint: 'Copy the image to another disk first.' },
  E_TARGET_SYSTEM: { title: 'This is a system drive: writing it would destroy the running computer.', hint: 'Pick the card or USB drive you meant to write.', cli: 'Name the card or USB drive you meant; 3os-flash drives lists them.' },
  E_WRITE_IO: { title: 'Writing to the drive failed.', hint: 'The card may be worn out or badly seated; try another card or reader.' },
  E_UNPLUGGED: { title: 'The drive was unplugged while writing.', hint: 'Plug it in again and flash it again.' },
  E_VERIFY_MISMATCH: { title: 'What was read back differs from the image: the drive is not reliable.', hint: 'Do not use this card; try another one.' },
  E_PARTITION_TABLE: { title: 'The partition table on the drive could not be understood.', hint: 'Flash the image again, or inspect the drive for details.' },
  E_LVM_UNSUPPORTED: { title: 'The data volume uses an LVM layout the flasher cannot grow.', hint: 'Write without growing: the data volume keeps the size it has in the image.', cli: 'Write with --no-grow: the data volume keeps the size it has in the image.' },
  E_LVM_CORRUPT: { title: 'The data volume metadata is damaged.', hint: 'Flash the image again; the data on this volume cannot be trusted.' },
  E_GROW: { title: 'The data volume could not be grown (the image itself is fine).', hint: 'Read the details: a storage setting may ask for more space than the drive has.', cli: 'Check the storage sizes, or write with --no-grow.' },
  E_CONFIG_INVALID: { title: 'The settings are not valid.', hint: 'Fix the fields marked in the form.', cli: 'Fix the fields listed above.' },
  E_FAT: { title: 'The config partition could not be read or written.', hint: 'Flash the image again to get a fresh config partition.' },
  E_FAT_FULL: { title: 'The config partition is full.', hint: 'Make the settings smaller (files with large contents), then try again.' },
  E_NOT_3OS: { title: 'This is not a 3os disk: it has no 3os config partition.', hint: 'Settings, growing and slots need a disk flashed with a 3os image.' },
  E_SLOT: { title: 'The device cannot switch to that boot slot.', hint: 'The boot partition has no entry or directory for that A/B slot, its config.txt is not a 3os Raspberry Pi layout, or a Raspberry Pi trial was asked for offline (it needs the running device); read the details.' },
  E_SERIAL: { title: 'The device did not answer on the serial line.', hint: 'Check the cable, the port and the speed (usually 115200).' },
  E_CANCELLED: { title: 'Cancelled.' },
  E_ELEVATION: { title: 'Administrator rights were not granted.', hint: 'Writing drives needs them; approve the system prompt.' },
  E_HELPER: { title: 'The writer process stopped unexpectedly.', hint: 'Try again; if it repeats, save the details for support.' },
  E_CATALOG: { title: 'The image catalog cannot provide this image.', hint: 'Read the details: an image that is "not published yet" cannot be downloaded; use a local file or URL.' },
  E_SIGNATURE: { title: 'The image signature does not match: the file is tampered or corrupted.', hint: 'Do not use this file; download it again from its publisher.' },
  E_UNTRUSTED_KEY: { title: 'The image is signed by a key this app does not trust.', hint: "Use an image from a trusted publisher, or add the publisher's public key in the settings.", cli: "Use an image from a trusted publisher, or add the publisher's key with --trusted-key FILE." },
  E_UNSIGNED: { title: 'This image is not signed.', hint: 'Use a signed image, or a local file you trust.', cli: 'Use a signed image, or pass --trust-unsigned for a file you trust.' },
  E_OVERSIZE: { title: 'The download is larger than its catalog says, so it was stopped and thrown away.', hint: 'The catalog is out of date or the server sends something else; try again later or use another source.' },
  E_INSECURE: { title: 'The image would arrive over plain http, where anyone on the way could change it.', hint: "Use an https address, or give the image's sha256 checksum.", cli: 'Use an https URL, or pin the image with --sha256 HEX.' },
  E_OFFLINE: { title: 'The image is not in the download cache and the app is offline.', hint: 'Go online once to download it, or use a local file.', cli: 'Drop --offline, or put the file in the cache with 3os-flash cache add FILE.' },
  E_BOARD_MISMATCH: { title: 'This image does not fit the chosen board.', hint: 'Choose an image built for this board.' },
};

/** A bug, not something the user did: shown for any code without text (and for non-FlashErrors). */
export const INTERNAL_ERROR_TEXT: ErrorText = { title: 'Something went wrong inside the flasher.', hint: 'Save the details for support.' };

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(TEXT, code);
}

/** The text of a code; the internal-error text for anything that is not an engine error code. */
export function errorText(code: string): ErrorText {
  return isErrorCode(code) ? TEXT[code] : INTERNAL_ERROR_TEXT;
}

/** What a terminal prints under the message: the CLI's hint, else the app's, else nothing. */
export function cliHint(code: string): string | undefined {
  const t = errorText(code);
  return t.cli ?? t.hint;
}

/** The user-facing form of an engine error (code + message). */
export function userError(code: string, message: string): UserError {
  const t = errorText(code);
  return { code, title: t.title, hint: t.hint, detail: message };
}
