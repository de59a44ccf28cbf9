/**
 * The drive-safety rules as pure predicates: given what we know about a drive and the job,
 * which reasons forbid writing to it (refusals) and which deserve a second look (warnings).
 *
 * Pure so every rule is table-tested, and so the UI, the CLI and the privileged helper apply
 * exactly the same rules (the helper re-runs them: it never trusts the UI's judgement).
 */
import type { ErrorCode } from '../errors.js';
import { humanBytes } from '../../common/bytes.js';
import type { Drive } from './types.js';

export interface Refusal {
  readonly code: Extract<
    ErrorCode,
    'E_TARGET_SYSTEM' | 'E_TARGET_HOLDS_SOURCE' | 'E_TARGET_READONLY' | 'E_TOO_SMALL' | 'E_TARGET_BUSY' | 'E_TARGET_INVALID' | 'E_TARGET_MISSING' | 'E_PARTITION_TABLE'
  >;
  readonly message: string;
  /** E_TOO_SMALL: missing bytes. */
  readonly shortfall?: number | undefined;
}

export type WarningCode = 'W_LARGE_DRIVE' | 'W_HOLDS_3OS' | 'W_MOUNTED' | 'W_FILE_EXISTS';

export interface Warning {
  readonly code: WarningCode;
  readonly message: string;
}

/** 128 GB (decimal, as drives are sold): above this a "card" is probably a hard disk. */
export const DEFAULT_LARGE_DRIVE_BYTES = 128_000_000_000;

export interface TargetContext {
  /** Decoded image size in bytes, when known. */
  readonly imageSize?: number | undefined;
  /** The user confirmed writing to a system drive (CLI: typed confirmation). */
  readonly allowSystemDrive?: boolean | undefined;
  readonly largeDriveThreshold?: number | undefined;
  /** Device paths of the whole disks that hold the source image (from its st_dev, Linux). */
  readonly sourceDisks?: readonly string[] | undefined;
  /** Real path of the source image, when it is a local file. */
  readonly sourcePath?: string | undefined;
  /** Where sourceDisks cannot be known (macOS/Windows): the mount point holding the source. */
  readonly sourceMount?: string | undefined;
  /** The user let the tool unmount the target (--unmount, or the app's confirmation); else a mounted target is refused. */
  readonly unmount?: boolean | undefined;
  /** The logical sector size the image's GPT was built for, when known before writing. */
  readonly imageSectorSize?: number | undefined;
}

/** Whether the drive holds the source image (same file, loop over it, or the disk under it). */
export function holdsSource(drive: Drive, ctx: TargetContext): boolean {
  const src = ctx.sourcePath;
  if (ctx.sourceDisks?.includes(drive.device) === true || ctx.sourceDisks?.includes(drive.id) === true) return true;
  if (src === undefined) return false;
  if (drive.kind === 'file') return drive.id === src || drive.device === src;
  if (drive.backingFile !== undefined && drive.backingFile === src) return true;
  return ctx.sourceMount !== undefined && drive.mountpoints.some((m) => m.path === ctx.sourceMount);
}

/** How many bytes the drive can take (a file target: its size plus the free space beside it). */
export function capacityOf(drive: Drive): number | undefined {
  if (drive.kind !== 'file') return drive.size;
  return drive.freeBytes === undefined ? undefined : drive.freeBytes + drive.size;
}

export function checkTarget(drive: Drive, ctx: TargetContext = {}): { refusals: Refusal[]; warnings: Warning[] } {
  const refusals: Refusal[] = [];
  const warnings: Warning[] = [];
  const name = drive.device;
  if (drive.system && ctx.allowSystemDrive !== true) {
    const why = drive.systemReasons.length > 0 ? ` (${drive.systemReasons.join('; ')})` : '';
    refusals.push({ code: 'E_TARGET_SYSTEM', message: `${name} is a system drive${why}: writing it would destroy the running system` });
  }
  if (holdsSource(drive, ctx)) {
    refusals.push({ code: 'E_TARGET_HOLDS_SOURCE', message: `${name} holds the source image ${ctx.sourcePath ?? ''}`.trimEnd() });
  }
  if (drive.readOnly) {
    refusals.push({ code: 'E_TARGET_READONLY', message: `${name} is read-only${drive.bus === 'sd' || drive.bus === 'usb' ? ' (is the card\'s lock switch on?)' : ''}` });
  }
  if (drive.holders.length > 0) {
    refusals.push({ code: 'E_TARGET_BUSY', message: `${name} is in use by ${drive.holders.join(', ')} (active LVM, dm-crypt or RAID): deactivate it first` });
  }
  if (drive.mountpoints.length > 0) {
    const where = drive.mountpoints.map((m) => m.path).join(', ');
    if (ctx.unmount === true) warnings.push({ code: 'W_MOUNTED', message: `${name} is mounted at ${where}: it will be unmounted` });
    else refusals.push({ code: 'E_TARGET_BUSY', message: `${name} is mounted at ${where}: unmount it first, or let 3os-flash do it (--unmount)` });
  }
  const capacity = capacityOf(drive);
  if (ctx.imageSize !== undefined && capacity !== undefined && capacity < ctx.imageSize) {
    const shortfall = ctx.imageSize - capacity;
    const what = drive.kind === 'file' ? 'has room for' : 'is';
    refusals.push({
      code: 'E_TOO_SMALL',
      message: `${name} ${what} ${humanBytes(capacity)} (${capacity} bytes) but the image needs ${humanBytes(ctx.imageSize)} (${ctx.imageSize} bytes): short by ${shortfall} bytes (${humanBytes(shortfall)})`,
      shortfall,
    });
  }
  const threshold = ctx.largeDriveThreshold ?? DEFAULT_LARGE_DRIVE_BYTES;
  if (drive.kind !== 'file' && drive.size > threshold) {
    warnings.push({ code: 'W_LARGE_DRIVE', message: `${name} is ${humanBytes(drive.size)}, larger than ${humanBytes(threshold)}: is it really the card you meant?` });
  }
  if (drive.threeOs !== undefined) {
    const v = drive.threeOs.version === undefined ? '' : ` (${drive.threeOs.version})`;
    warnings.push({ code: 'W_HOLDS_3OS', message: `${name} already holds a 3os install${v}: flashing replaces it and its data volume` });
  }
  const ss = ctx.imageSectorSize;
  if (ss !== undefined && drive.kind !== 'file' && drive.sectorSize !== undefined && drive.sectorSize !== ss) {
    refusals.push({
      code: 'E_PARTITION_TABLE',
      message: `${name} uses ${drive.sectorSize}-byte sectors, but the image's GPT was built for ${ss}-byte sectors: it would not be readable there`,
    });
  }
  if (drive.kind === 'file' && drive.exists === true) {
    warnings.push({ code: 'W_FILE_EXISTS', message: `${name} exists and will be replaced` });
  }
  return { refusals, warnings };
}
