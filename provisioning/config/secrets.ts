/**
 * Secrets of the first-boot config, turned into what the device needs without the clear text:
 * Wi-Fi PSKs (the IEEE 802.11i PBKDF2 derivation, identical to `wpa_passphrase`), the serial
 * provisioning key (PBKDF2-HMAC-SHA256), and checks of existing crypt strings.
 */
import { pbkdf2Sync, randomBytes } from 'node:crypto';

export const SERIAL_KDF_ITERATIONS = 200_000;
export const SERIAL_KEY_BYTES = 32;
export const SERIAL_SALT_BYTES = 16;
export const SERIAL_KEY_MIN_LENGTH = 12;

/** Why a Wi-Fi passphrase is unusable, or undefined when it is fine (8..63 printable ASCII). */
export function wifiPassphraseProblem(passphrase: string): string | undefined {
  if (passphrase.length < 8 || passphrase.length > 63) return 'must be 8 to 63 characters';
  if (!/^[\x20-\x7e]*$/.test(passphrase)) return 'must be printable ASCII (letters, digits, punctuation, space)';
  return undefined;
}

/** Why an SSID is unusable, or undefined (1 to 32 bytes of UTF-8, no control characters). */
export function ssidProblem(ssid: string): string | undefined {
  const n = Buffer.byteLength(ssid, 'utf8');
  if (n < 1 || n > 32) return `SSID must be 1 to 32 bytes (is ${n})`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(ssid)) return 'SSID must not contain control characters';
  return undefined;
}

/** The 64-hex-digit WPA PSK: PBKDF2-HMAC-SHA1(passphrase, ssid, 4096, 32), as wpa_passphrase prints. */
export function wifiPsk(ssid: string, passphrase: string): string {
  return pbkdf2Sync(Buffer.from(passphrase, 'utf8'), Buffer.from(ssid, 'utf8'), 4096, 32, 'sha1').toString('hex');
}

export function isHexPsk(s: string): boolean {
  return /^[0-9a-fA-F]{64}$/.test(s);
}

/** What the config stores for a serial provisioning key. */
export interface DerivedSerialKey {
  /** 16 random bytes, hex; the device reports it, the host derives the key from it. */
  readonly salt: string;
  /** PBKDF2-HMAC-SHA256(passphrase UTF-8, salt bytes, 200000, 32), hex. */
  readonly key: string;
}

/**
 * Derive the serial key. The salt is the 16 raw bytes that the hex string encodes (not the
 * hex text). The serial host calls this with the salt the device reports.
 */
export function deriveSerialKey(passphrase: string, saltHex?: string): DerivedSerialKey {
  const salt = saltHex ?? randomBytes(SERIAL_SALT_BYTES).toString('hex');
  if (!/^[0-9a-f]{32}$/.test(salt)) throw new RangeError('serial key salt must be 32 lowercase hex digits');
  const key = pbkdf2Sync(Buffer.from(passphrase, 'utf8'), Buffer.from(salt, 'hex'), SERIAL_KDF_ITERATIONS, SERIAL_KEY_BYTES, 'sha256');
  return { salt, key: key.toString('hex') };
}

const C64 = '[./0-9A-Za-z]';
const SHA_CRYPT = (id: string, len: number): RegExp => new RegExp(`^\\$${id}\\$(?:rounds=(\\d+)\\$)?${C64}{1,16}\\$${C64}{${len}}$`);
const SHA512_RE = SHA_CRYPT('6', 86);
const SHA256_RE = SHA_CRYPT('5', 43);
const YESCRYPT_RE = new RegExp(`^\\$y\\$${C64}+\\$${C64}+\\$${C64}{43}$`);

/** Why `hash` is not an accepted crypt string ($6$, $5$, $y$), or undefined when it is. */
export function passwordHashProblem(hash: string): string | undefined {
  const sha = SHA512_RE.exec(hash) ?? SHA256_RE.exec(hash);
  if (sha) {
    const rounds = sha[1];
    if (rounds !== undefined && (Number(rounds) < 1000 || Number(rounds) > 999_999_999)) {
      return 'rounds= must be from 1000 to 999999999';
    }
    return undefined;
  }
  if (YESCRYPT_RE.test(hash)) return undefined;
  if (/^\$(1|2[abxy]?|md5|sha1)\$/.test(hash)) return 'unsupported hash scheme: use $6$ (SHA-512-crypt), $5$ or $y$ (yescrypt)';
  if (/^\$[56y]\$/.test(hash)) return 'malformed crypt string (wrong salt or hash length, or characters outside ./0-9A-Za-z)';
  return 'not a crypt string: expected $6$..., $5$... or $y$... (give `password` to have it hashed)';
}
