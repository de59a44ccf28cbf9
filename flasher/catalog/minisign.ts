/**
 * minisign signatures (https://jedisct1.github.io/minisign/), verified with node:crypto Ed25519
 * and hash-wasm BLAKE2b-512 (Electron's BoringSSL has no blake2b512, see
 * docs/dependency-measurements.md §6).
 *
 * Both variants: "ED" (prehashed: the signature covers BLAKE2b-512 of the file, the default since
 * minisign 0.11) and the legacy "Ed" (the signature covers the file itself, so the file must fit in
 * memory). The trusted comment's global signature (over signature || trusted comment) is always
 * checked, and the key id in the signature must be one of the trusted keys.
 */
import { createPublicKey, verify as edVerify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createBLAKE2b, type IHasher } from 'hash-wasm';
import { FlashError } from '../errors.js';

export interface PublicKey {
  /** Key id as minisign prints it: 16 upper-case hex digits. */
  readonly keyId: string;
  readonly key: KeyObject;
  /** Where the key came from (file path or "inline"), for messages. */
  readonly source: string;
}

export type SignatureAlgorithm = 'ED' | 'Ed';

export interface ParsedSignature {
  readonly algorithm: SignatureAlgorithm;
  readonly keyId: string;
  readonly signature: Buffer;
  readonly trustedComment: string;
  readonly globalSignature: Buffer;
}

/** What a successful verification proved. */
export interface VerifiedSignature {
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  readonly prehashed: boolean;
  readonly trustedComment: string;
  readonly keySource: string;
}

/** Legacy ("Ed") signatures need the whole file in memory; refuse beyond this. */
export const LEGACY_MAX_BYTES = 256 * 1024 * 1024;

function sigError(msg: string): FlashError {
  return new FlashError('E_SIGNATURE', msg, { phase: 'source' });
}

/** minisign stores the key id as a little-endian 64-bit number and prints it in hex. */
function keyIdHex(le: Buffer): string {
  return Buffer.from(le).reverse().toString('hex').toUpperCase();
}

function b64(line: string, what: string): Buffer {
  const t = line.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(t)) throw sigError(`${what}: not base64`);
  return Buffer.from(t, 'base64');
}

/** Parse a minisign public key: the .pub file's text, or the bare base64 line (`minisign -P`). */
export function parsePublicKey(text: string, source = 'inline'): PublicKey {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const line = lines.find((l) => !l.startsWith('untrusted comment:'));
  if (line === undefined) throw sigError(`${source}: no public key in it`);
  const raw = b64(line, `public key ${source}`);
  if (raw.length !== 42 || raw.subarray(0, 2).toString('latin1') !== 'Ed') {
    throw sigError(`${source}: not a minisign Ed25519 public key`);
  }
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.subarray(10, 42).toString('base64url') }, format: 'jwk' });
  return { keyId: keyIdHex(raw.subarray(2, 10)), key, source };
}

/** Parse a .minisig file. Throws E_SIGNATURE when it is malformed. */
export function parseSignature(text: string): ParsedSignature {
  const lines = text.split(/\r?\n/);
  const [c1, s1, c2, s2] = lines;
  if (c1?.startsWith('untrusted comment:') !== true || s1 === undefined || c2?.startsWith('trusted comment: ') !== true || s2 === undefined) {
    throw sigError('malformed minisign signature (expected 4 lines: untrusted comment, signature, trusted comment, global signature)');
  }
  const raw = b64(s1, 'signature');
  if (raw.length !== 74) throw sigError('malformed minisign signature (wrong length)');
  const alg = raw.subarray(0, 2).toString('latin1');
  if (alg !== 'ED' && alg !== 'Ed') throw sigError(`unsupported minisign signature algorithm "${alg}"`);
  const globalSignature = b64(s2, 'global signature');
  if (globalSignature.length !== 64) throw sigError('malformed minisign global signature (wrong length)');
  return {
    algorithm: alg,
    keyId: keyIdHex(raw.subarray(2, 10)),
    signature: Buffer.from(raw.subarray(10, 74)),
    trustedComment: c2.slice('trusted comment: '.length),
    globalSignature,
  };
}

/** A streaming BLAKE2b-512, for prehashed signatures over large files. */
export async function blake2b512(): Promise<IHasher> {
  const h = await createBLAKE2b(512);
  h.init();
  return h;
}

function pickKey(sig: ParsedSignature, keys: readonly PublicKey[], what: string): PublicKey {
  const key = keys.find((k) => k.keyId === sig.keyId);
  if (key === undefined) {
    const known = keys.map((k) => k.keyId).join(', ') || 'none';
    throw new FlashError('E_UNTRUSTED_KEY', `${what} is signed by key ${sig.keyId}, which is not trusted (trusted: ${known})`, { phase: 'source' });
  }
  return key;
}

/**
 * Check a parsed signature given the signed message: the BLAKE2b-512 digest for "ED", the file's
 * bytes for "Ed". Throws E_UNTRUSTED_KEY / E_SIGNATURE.
 */
export function checkSignature(
  sig: ParsedSignature,
  keys: readonly PublicKey[],
  message: { readonly blake2b?: Uint8Array | undefined; readonly bytes?: Uint8Array | undefined },
  what: string,
): VerifiedSignature {
  const key = pickKey(sig, keys, what);
  const prehashed = sig.algorithm === 'ED';
  const signed = prehashed ? message.blake2b : message.bytes;
  if (signed === undefined) throw sigError(`${what}: cannot check a ${prehashed ? 'prehashed' : 'legacy'} signature (internal: message not supplied)`);
  if (!edVerify(null, signed, key.key, sig.signature)) {
    throw sigError(`${what} does not match its signature (tampered or corrupted)`);
  }
  const global = Buffer.concat([sig.signature, Buffer.from(sig.trustedComment, 'utf8')]);
  if (!edVerify(null, global, key.key, sig.globalSignature)) {
    throw sigError(`${what}: the trusted comment of its signature was altered`);
  }
  return { keyId: key.keyId, algorithm: sig.algorithm, prehashed, trustedComment: sig.trustedComment, keySource: key.source };
}

/** Verify a signature over bytes in memory (a catalog). */
export async function verifyBytes(data: Uint8Array, sigText: string, keys: readonly PublicKey[], what: string): Promise<VerifiedSignature> {
  const sig = parseSignature(sigText);
  pickKey(sig, keys, what);
  if (sig.algorithm === 'Ed') return checkSignature(sig, keys, { bytes: data }, what);
  const h = await blake2b512();
  h.update(data);
  return checkSignature(sig, keys, { blake2b: h.digest('binary') }, what);
}

/**
 * Verify a signature over a file, streaming it once. `alsoHash` receives every chunk (so the caller
 * can compute a SHA-256 in the same pass).
 */
export async function verifyFile(
  path: string,
  sigText: string,
  keys: readonly PublicKey[],
  what: string,
  alsoHash?: (chunk: Buffer) => void,
): Promise<VerifiedSignature> {
  const sig = parseSignature(sigText);
  pickKey(sig, keys, what);
  const h = sig.algorithm === 'ED' ? await blake2b512() : undefined;
  const parts: Buffer[] = [];
  let total = 0;
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const chunk = c as Buffer;
    alsoHash?.(chunk);
    if (h !== undefined) h.update(chunk);
    else {
      total += chunk.length;
      if (total > LEGACY_MAX_BYTES) {
        throw sigError(`${what}: a legacy (non-prehashed) signature on a file over ${LEGACY_MAX_BYTES >> 20} MiB is refused; sign it with minisign 0.8+ (prehashed)`);
      }
      parts.push(chunk);
    }
  }
  return checkSignature(sig, keys, h === undefined ? { bytes: Buffer.concat(parts) } : { blake2b: h.digest('binary') }, what);
}
