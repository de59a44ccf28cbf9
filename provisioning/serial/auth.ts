/**
 * The serial lock: key derivation and the HMAC answer to the device's challenge.
 * Derived key = hex of PBKDF2-HMAC-SHA256(passphrase, salt, 200000 iterations, 32 bytes)
 * (fixed by the config author; the device stores {salt, derived key}). The HMAC key is the
 * 32 raw bytes of the derived key; the message is "<nonce>|<TYPE> <args without auth>".
 */
import { createHmac, pbkdf2 } from 'node:crypto';

export const SERIAL_KEY_ITERATIONS = 200_000;

/**
 * The salt is hex text (serial.salt, 16 random bytes as written by the config author,
 * provisioning/config/secrets.ts); PBKDF2 takes the bytes it encodes, not the text.
 */
export function deriveSerialKey(passphrase: string, saltHex: string): Promise<string> {
  if (!/^(?:[0-9a-f]{2})+$/.test(saltHex)) return Promise.reject(new RangeError(`serial key salt is not hex: ${saltHex}`));
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(passphrase, 'utf8'), Buffer.from(saltHex, 'hex'), SERIAL_KEY_ITERATIONS, 32, 'sha256', (e, key) => (e ? reject(e) : resolve(key.toString('hex'))));
  });
}

/** The canonical text a locked command is signed over. */
export function authMessage(nonce: string, type: string, args: string): string {
  return `${nonce}|${type} ${args === '' ? '-' : args}`;
}

export function authMac(derivedKeyHex: string, nonce: string, type: string, args: string): string {
  return createHmac('sha256', Buffer.from(derivedKeyHex, 'hex')).update(authMessage(nonce, type, args)).digest('hex');
}

/** args with the auth token appended (the token is always last). */
export function withAuth(args: string, mac: string): string {
  return args === '' ? `auth=${mac}` : `${args},auth=${mac}`;
}
