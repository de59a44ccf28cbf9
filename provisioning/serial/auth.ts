/**
 * The serial lock: key derivation and the HMAC answer to the device's challenge.
 * Derived key = hex of PBKDF2-HMAC-SHA256(passphrase, salt, 200000 iterations, 32 bytes)
 * (fixed by the config author; the device stores {salt, derived key}). The HMAC key is the
 * 32 raw bytes of the derived key; the message is "<nonce>|<TYPE> <args without auth>".
 */
import { createHmac, pbkdf2 } from 'node:crypto';

export const SERIAL_KEY_ITERATIONS = 200_000;

/** The salt is used as its UTF-8 bytes, exactly as written in serial.salt. */
export function deriveSerialKey(passphrase: string, salt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    pbkdf2(passphrase, salt, SERIAL_KEY_ITERATIONS, 32, 'sha256', (e, key) => (e ? reject(e) : resolve(key.toString('hex'))));
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
