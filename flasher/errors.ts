/**
 * Expected failures of the engine, with stable codes.
 *
 * Every failure a user can cause or meet (bad input, unplugged drive, checksum mismatch) is a
 * FlashError: it carries a stable `code`, the `target` and `phase` it happened in, and the byte
 * `offset` where that applies. Anything else that is thrown is a bug. The CLI maps codes to exit
 * codes and one-line messages; it never prints a stack trace for a FlashError.
 */

/** Every phase a job goes through; the one list the types and the wire schemas derive from. */
export const PHASES = ['open', 'source', 'decompress', 'write', 'flush', 'verify', 'finalize', 'grow', 'seed', 'serial', 'slot', 'repair'] as const;
export type Phase = (typeof PHASES)[number];

/** Stable error codes and the CLI exit code each one maps to (documented in README). */
export const ERROR_CODES = {
  E_USAGE: 2,
  E_SOURCE_MISSING: 10,
  E_SOURCE_UNREADABLE: 11,
  E_FORMAT_UNKNOWN: 12,
  E_FORMAT_CORRUPT: 13,
  E_TRUNCATED: 14,
  E_CHECKSUM: 15,
  E_BMAP: 16,
  E_NETWORK: 17,
  /** Backup/clone: reading the source drive failed (a bad sector, EIO) or it went away mid-read. */
  E_SOURCE_IO: 18,
  /** Backup/clone: the source has a partition mounted read-write (it may change while read). */
  E_SOURCE_BUSY: 19,
  E_TOO_SMALL: 20,
  E_TARGET_INVALID: 21,
  E_TARGET_MISSING: 22,
  E_TARGET_READONLY: 23,
  E_TARGET_BUSY: 24,
  E_TARGET_HOLDS_SOURCE: 25,
  E_TARGET_SYSTEM: 26,
  /** Backup: the output file exists (use --force to replace it). */
  E_OUTPUT_EXISTS: 27,
  /** Backup: the destination file system is full. */
  E_OUTPUT_FULL: 28,
  E_WRITE_IO: 30,
  E_UNPLUGGED: 31,
  E_VERIFY_MISMATCH: 32,
  E_PARTITION_TABLE: 40,
  E_LVM_UNSUPPORTED: 41,
  E_LVM_CORRUPT: 42,
  E_GROW: 43,
  E_CONFIG_INVALID: 50,
  E_FAT: 51,
  E_FAT_FULL: 52,
  E_NOT_3OS: 53,
  /** A/B slot switch impossible: no boot entry for the slot, or no slot mechanism on the boot partition. */
  E_SLOT: 54,
  E_SERIAL: 60,
  E_CANCELLED: 70,
  /** The privileged helper could not be started with administrator rights (not authorised, no polkit agent). */
  E_ELEVATION: 71,
  /** The privileged helper broke its protocol or died. */
  E_HELPER: 72,
  /** Image catalog: malformed catalog, unknown image or board id, image not published yet. */
  E_CATALOG: 80,
  /** A minisign signature does not match the file (tampered file or catalog) or is malformed. */
  E_SIGNATURE: 81,
  /** Signed, but by a key that is not among the trusted keys. */
  E_UNTRUSTED_KEY: 82,
  /** No signature, and the user did not say "I trust this file" (--trust-unsigned). */
  E_UNSIGNED: 83,
  /** A download is larger than the size its catalog declares; it was cut off and rejected. */
  E_OVERSIZE: 84,
  /** Plain http without a pinned checksum, or a redirect from https to http. */
  E_INSECURE: 85,
  /** Working offline and the catalog or image is not in the cache. */
  E_OFFLINE: 86,
  /** The image is not made for the chosen board (arch or board list). */
  E_BOARD_MISMATCH: 87,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FlashErrorDetails {
  readonly target?: string | undefined;
  readonly phase?: Phase | undefined;
  readonly offset?: number | undefined;
  readonly cause?: unknown;
}

export class FlashError extends Error {
  public override readonly name = 'FlashError';
  public readonly code: ErrorCode;
  public readonly target: string | undefined;
  public readonly phase: Phase | undefined;
  public readonly offset: number | undefined;

  public constructor(code: ErrorCode, message: string, details: FlashErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.target = details.target;
    this.phase = details.phase;
    this.offset = details.offset;
  }

  /** Same error, with target/phase filled in where the thrower did not know them. */
  public withContext(details: FlashErrorDetails): FlashError {
    if (this.target !== undefined && this.phase !== undefined) return this;
    return new FlashError(this.code, this.message, {
      target: this.target ?? details.target,
      phase: this.phase ?? details.phase,
      offset: this.offset ?? details.offset,
      cause: this.cause,
    });
  }

  /** The error again from its wire form (a helper's answer, a target's result). */
  public static fromWire(w: WireError): FlashError {
    return new FlashError(w.code, w.message, { target: w.target, phase: w.phase, offset: w.offset });
  }

  public get exitCode(): number {
    return ERROR_CODES[this.code];
  }

  public toJSON(): WireError {
    return { code: this.code, message: this.message, target: this.target, phase: this.phase, offset: this.offset };
  }
}

export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly target?: string | undefined;
  readonly phase?: Phase | undefined;
  readonly offset?: number | undefined;
}

export function isFlashError(e: unknown): e is FlashError {
  return e instanceof FlashError;
}

/** Node's system error shape (errno code such as ENOENT), narrowed without `any`. */
export function sysCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const c = e.code;
    return typeof c === 'string' ? c : undefined;
  }
  return undefined;
}

/** Turn an OS error met while writing/reading a target into a FlashError. */
export function fromIoError(e: unknown, target: string, phase: Phase, offset?: number): FlashError {
  if (isFlashError(e)) return e.withContext({ target, phase, offset });
  const c = sysCode(e);
  const msg = e instanceof Error ? e.message : String(e);
  const at = offset === undefined ? '' : ` at byte ${offset}`;
  switch (c) {
    case 'ENOENT':
    case 'ENXIO':
    case 'ENODEV':
    case 'ENOMEDIUM':
      return new FlashError('E_UNPLUGGED', `${target} disappeared${at} (${c})`, { target, phase, offset, cause: e });
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      return new FlashError('E_TARGET_READONLY', `${target} is not writable (${c})`, { target, phase, offset, cause: e });
    case 'EBUSY':
      return new FlashError('E_TARGET_BUSY', `${target} is busy: mounted or held by another program`, { target, phase, offset, cause: e });
    case 'ENOSPC':
      return new FlashError('E_TOO_SMALL', `${target} is full${at}`, { target, phase, offset, cause: e });
    default:
      return new FlashError('E_WRITE_IO', `I/O error on ${target}${at}: ${msg}`, { target, phase, offset, cause: e });
  }
}
