/**
 * GUIDs as GPT stores them: 16 bytes in "mixed-endian" order (docs/disk-formats.md §3.4).
 *
 * Text `AABBCCDD-EEFF-GGHH-IIJJ-KKLLMMNNOOPP` is stored as `DD CC BB AA FF EE HH GG II JJ KK ...`:
 * the first three groups little-endian, the last two as written. We print GUIDs in lower case,
 * as the 3os image standard (docs/3os-image-standard.md) writes them.
 */
import { randomUUID } from 'node:crypto';

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Read the 16-byte mixed-endian GUID at `offset` as lower-case text. */
export function guidFromBytes(buf: Uint8Array, offset = 0): string {
  const b = Buffer.from(buf.buffer, buf.byteOffset + offset, 16);
  const hex = (from: number, to: number): string => b.subarray(from, to).toString('hex');
  const rev = (from: number, to: number): string => Buffer.from(b.subarray(from, to)).reverse().toString('hex');
  return `${rev(0, 4)}-${rev(4, 6)}-${rev(6, 8)}-${hex(8, 10)}-${hex(10, 16)}`;
}

/** Encode GUID text as its 16 mixed-endian bytes. Throws a TypeError on malformed text (caller bug). */
export function guidToBytes(text: string): Buffer {
  if (!GUID_RE.test(text)) throw new TypeError(`not a GUID: ${text}`);
  const h = text.replace(/-/g, '');
  const raw = Buffer.from(h, 'hex');
  const out = Buffer.alloc(16);
  Buffer.from(raw.subarray(0, 4)).reverse().copy(out, 0);
  Buffer.from(raw.subarray(4, 6)).reverse().copy(out, 4);
  Buffer.from(raw.subarray(6, 8)).reverse().copy(out, 6);
  raw.copy(out, 8, 8, 16);
  return out;
}

/** A new random (version 4) GUID from the crypto RNG. */
export function randomGuid(): string {
  return randomUUID();
}

export const ZERO_GUID = '00000000-0000-0000-0000-000000000000';
