/**
 * SHA-512-crypt (`$6$`), the glibc/libxcrypt algorithm, on node:crypto.
 *
 * Why in-house: the npm candidates either drag in test frameworks as runtime dependencies or
 * throw for short salts, and both get non-ASCII passwords wrong (docs/dependency-measurements.md
 * §7). This follows Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" spec step
 * by step; the tests compare it with `openssl passwd -6`. Passwords are hashed as UTF-8 bytes.
 */
import { createHash, randomBytes } from 'node:crypto';

/** The crypt(3) base-64 alphabet. */
export const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const SHA512_DEFAULT_ROUNDS = 5000;
export const SHA512_MIN_ROUNDS = 1000;
export const SHA512_MAX_ROUNDS = 999_999_999;
const MAX_SALT = 16;

/** Byte order of the final digest in the output, three bytes per four characters. */
const PERMUTATION: ReadonlyArray<readonly [number, number, number]> = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];

export interface Sha512CryptOptions {
  /** Salt characters (at most 16 are used, like glibc); random when absent. */
  readonly salt?: string;
  /** Rounds; when given, the result carries `rounds=N$` (like glibc). 1000..999999999. */
  readonly rounds?: number;
}

/** A fresh 16-character salt from crypto.randomBytes, mapped onto the crypt alphabet. */
export function randomCryptSalt(length = MAX_SALT): string {
  // 64 divides 256, so `byte & 63` is uniform over the alphabet.
  return Array.from(randomBytes(length), (b) => CRYPT_ALPHABET[b & 63]).join('');
}

function sha512(...parts: Buffer[]): Buffer {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** `n` bytes taken from `block` repeated (the P' and S' sequences of the spec). */
function repeatTo(block: Buffer, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += block.length) block.copy(out, i, 0, Math.min(block.length, n - i));
  return out;
}

function encode24(b2: number, b1: number, b0: number, chars: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let s = '';
  for (let i = 0; i < chars; i++) {
    s += CRYPT_ALPHABET[w & 63];
    w >>>= 6;
  }
  return s;
}

/** Hash `password` into a `$6$` crypt string. Throws RangeError for a caller's bad salt/rounds. */
export function sha512Crypt(password: string, options: Sha512CryptOptions = {}): string {
  const rounds = options.rounds ?? SHA512_DEFAULT_ROUNDS;
  if (!Number.isInteger(rounds) || rounds < SHA512_MIN_ROUNDS || rounds > SHA512_MAX_ROUNDS) {
    throw new RangeError(`rounds must be an integer from ${SHA512_MIN_ROUNDS} to ${SHA512_MAX_ROUNDS}`);
  }
  const saltText = (options.salt ?? randomCryptSalt()).slice(0, MAX_SALT);
  if (/[$:\n]/.test(saltText)) throw new RangeError('salt must not contain "$", ":" or a newline');
  const P = Buffer.from(password, 'utf8');
  const S = Buffer.from(saltText, 'utf8');

  const B = sha512(P, S, P);
  const a = createHash('sha512');
  a.update(P);
  a.update(S);
  let n = P.length;
  for (; n > 64; n -= 64) a.update(B);
  a.update(B.subarray(0, n));
  for (let len = P.length; len > 0; len >>>= 1) a.update(len & 1 ? B : P);
  const A = a.digest();

  const dp = createHash('sha512');
  for (let i = 0; i < P.length; i++) dp.update(P);
  const Pp = repeatTo(dp.digest(), P.length);

  const ds = createHash('sha512');
  for (let i = 0; i < 16 + (A[0] ?? 0); i++) ds.update(S);
  const Sp = repeatTo(ds.digest(), S.length);

  let C = A;
  for (let i = 0; i < rounds; i++) {
    const h = createHash('sha512');
    h.update(i & 1 ? Pp : C);
    if (i % 3) h.update(Sp);
    if (i % 7) h.update(Pp);
    h.update(i & 1 ? C : Pp);
    C = h.digest();
  }

  const byte = (k: number): number => C[k] ?? 0;
  let out = '';
  for (const [x, y, z] of PERMUTATION) out += encode24(byte(x), byte(y), byte(z), 4);
  out += encode24(0, 0, byte(63), 2);
  const roundsPart = options.rounds === undefined ? '' : `rounds=${rounds}$`;
  return `$6$${roundsPart}${saltText}$${out}`;
}

/** True when `password` hashes to the `$6$` string `hash` (salt and rounds taken from it). */
export function verifySha512Crypt(password: string, hash: string): boolean {
  const m = /^\$6\$(?:rounds=(\d+)\$)?([^$]*)\$[./0-9A-Za-z]{86}$/.exec(hash);
  if (!m) return false;
  const rounds = m[1] === undefined ? undefined : Number(m[1]);
  try {
    return sha512Crypt(password, { salt: m[2] ?? '', ...(rounds === undefined ? {} : { rounds }) }) === hash;
  } catch {
    return false;
  }
}
