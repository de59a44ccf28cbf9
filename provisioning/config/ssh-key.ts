/**
 * OpenSSH public key lines (authorized_keys format) checked for real: the options prefix, the
 * declared type, and the base64 blob are parsed; the blob's embedded type must equal the
 * declared one, RSA moduli are measured, EC points are checked to lie on their curve. A typo or
 * a truncated paste is caught here, not by a device that silently refuses the login.
 */
import { createHash, createPublicKey } from 'node:crypto';

export interface SshPublicKey {
  readonly type: string;
  /** Key size in bits (RSA modulus, curve size; 256 for ed25519). */
  readonly bits: number;
  readonly comment: string;
  readonly options: string | undefined;
  /** `SHA256:...` as `ssh-keygen -l` prints it. */
  readonly fingerprint: string;
}

export type SshKeyResult = { readonly ok: true; readonly key: SshPublicKey } | { readonly ok: false; readonly reason: string };

export const MIN_RSA_BITS = 2048;

const EC_CURVES: Readonly<Record<string, { curve: string; jwk: string; bits: number; point: number }>> = {
  nistp256: { curve: 'nistp256', jwk: 'P-256', bits: 256, point: 65 },
  nistp384: { curve: 'nistp384', jwk: 'P-384', bits: 384, point: 97 },
  nistp521: { curve: 'nistp521', jwk: 'P-521', bits: 521, point: 133 },
};

export const SUPPORTED_SSH_KEY_TYPES = [
  'ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;

const KNOWN_TYPE = new Set<string>(SUPPORTED_SSH_KEY_TYPES);
const LOOKS_LIKE_TYPE = /^(ssh-|ecdsa-|sk-|rsa-sha2-)[a-z0-9@.-]+$/;

/** authorized_keys options (sshd(8), AUTHORIZED_KEYS FILE FORMAT); `=` marks those taking a value. */
const OPTIONS = new Map<string, boolean>([
  ['agent-forwarding', false], ['cert-authority', false], ['command', true], ['environment', true],
  ['expiry-time', true], ['from', true], ['no-agent-forwarding', false], ['no-port-forwarding', false],
  ['no-pty', false], ['no-user-rc', false], ['no-x11-forwarding', false], ['permitlisten', true],
  ['permitopen', true], ['port-forwarding', false], ['principals', true], ['pty', false],
  ['no-touch-required', false], ['verify-required', false], ['restrict', false], ['tunnel', true],
  ['user-rc', false], ['x11-forwarding', false],
]);

class Reader {
  private pos = 0;
  public constructor(private readonly buf: Buffer) {}
  public string(): Buffer | undefined {
    if (this.pos + 4 > this.buf.length) return undefined;
    const n = this.buf.readUInt32BE(this.pos);
    if (this.pos + 4 + n > this.buf.length) return undefined;
    const out = this.buf.subarray(this.pos + 4, this.pos + 4 + n);
    this.pos += 4 + n;
    return out;
  }
  public get done(): boolean {
    return this.pos === this.buf.length;
  }
}

/** Split off the options prefix: everything up to the first unquoted blank. */
function splitOptions(line: string): { options: string; rest: string } | string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if ((c === ' ' || c === '\t') && !quoted) return { options: line.slice(0, i), rest: line.slice(i).trimStart() };
  }
  return quoted ? 'unterminated quote in the options prefix' : 'no key after the options prefix';
}

function optionsProblem(options: string): string | undefined {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < options.length; i++) {
    const c = options[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      parts.push(options.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(options.slice(start));
  for (const p of parts) {
    const m = /^([A-Za-z0-9-]+)(?:="(?:[^"\\]|\\.)*")?$/.exec(p);
    const name = m?.[1]?.toLowerCase();
    if (!m || name === undefined) return `malformed option "${p}" (expected name or name="value")`;
    const takesValue = OPTIONS.get(name);
    if (takesValue === undefined) return `unknown authorized_keys option "${name}"`;
    const hasValue = p.includes('=');
    if (takesValue !== hasValue) return takesValue ? `option "${name}" needs ="value"` : `option "${name}" takes no value`;
  }
  return undefined;
}

const fail = (reason: string): SshKeyResult => ({ ok: false, reason });
const NOT_A_KEY = 'not an OpenSSH public key (expected "TYPE BASE64 [comment]", e.g. "ssh-ed25519 AAAA... me@host")';

/** Parse and check one authorized_keys line. */
export function parseSshPublicKey(input: string): SshKeyResult {
  const line = input.trim();
  if (line === '') return fail('empty key');
  if (line.includes('PRIVATE KEY')) return fail('this is a PRIVATE key: give the public key (the .pub file) instead');
  if (/[\r\n]/.test(line)) return fail('one key per entry (the text contains a line break)');
  if (line.startsWith('---- BEGIN SSH2')) return fail('RFC 4716 (SSH2) format: convert it with `ssh-keygen -i -f FILE`');

  let options: string | undefined;
  let rest = line;
  const first = line.split(/[ \t]/, 1)[0] ?? '';
  if (!KNOWN_TYPE.has(first) && !LOOKS_LIKE_TYPE.test(first)) {
    const split = splitOptions(line);
    if (typeof split === 'string') return fail(`not an OpenSSH public key (${split})`);
    const next = split.rest.split(/[ \t]/, 1)[0] ?? '';
    if (!KNOWN_TYPE.has(next) && !LOOKS_LIKE_TYPE.test(next)) return fail(NOT_A_KEY);
    const problem = optionsProblem(split.options);
    if (problem) return fail(`not an OpenSSH public key (${problem})`);
    options = split.options;
    rest = split.rest;
  }
  const [type = '', blobText = '', ...commentParts] = rest.split(/[ \t]+/);
  const comment = commentParts.join(' ');
  if (!KNOWN_TYPE.has(type)) {
    if (LOOKS_LIKE_TYPE.test(type)) {
      return fail(`unsupported key type "${type}" (use ssh-ed25519, ssh-rsa of at least ${MIN_RSA_BITS} bits, ecdsa-sha2-nistp256/384/521 or an sk-* key)`);
    }
    return fail(NOT_A_KEY);
  }
  if (blobText === '') return fail('not an OpenSSH public key (the base64 blob is missing)');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blobText) || blobText.length % 4 !== 0) {
    return fail('not an OpenSSH public key (base64 blob is corrupt)');
  }
  const blob = Buffer.from(blobText, 'base64');
  if (blob.toString('base64') !== blobText) return fail('not an OpenSSH public key (base64 blob is corrupt)');

  const r = new Reader(blob);
  const embedded = r.string()?.toString('latin1');
  if (embedded === undefined) return fail('not an OpenSSH public key (base64 blob is corrupt)');
  if (embedded !== type) return fail(`declared type ${type} does not match the key inside the blob (${embedded})`);

  const bits = checkBody(type, r);
  if (typeof bits === 'string') return fail(bits);
  if (!r.done) return fail('not an OpenSSH public key (base64 blob is corrupt: trailing bytes)');
  const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  return { ok: true, key: { type, bits, comment, options, fingerprint } };
}

const truncated = 'not an OpenSSH public key (base64 blob is corrupt: truncated)';

/** Check the type-specific fields; returns the key size in bits or a reason. */
function checkBody(type: string, r: Reader): number | string {
  if (type === 'ssh-ed25519' || type === 'sk-ssh-ed25519@openssh.com') {
    const pk = r.string();
    if (pk === undefined) return truncated;
    if (pk.length !== 32) return `ed25519 key must be 32 bytes (is ${pk.length})`;
    if (type.startsWith('sk-') && r.string() === undefined) return truncated;
    return 256;
  }
  if (type === 'ssh-rsa') {
    const e = r.string();
    const n = r.string();
    if (e === undefined || n === undefined) return truncated;
    const modulus = stripMpint(n);
    const bits = bitLength(modulus);
    if (bits < MIN_RSA_BITS) return `RSA key is ${bits} bits; at least ${MIN_RSA_BITS} are required`;
    if (!validPublic({ kty: 'RSA', n: modulus.toString('base64url'), e: stripMpint(e).toString('base64url') })) {
      return 'RSA key is not valid (bad modulus or exponent)';
    }
    return bits;
  }
  const curveName = /nistp(256|384|521)/.exec(type)?.[0];
  const curve = curveName === undefined ? undefined : EC_CURVES[curveName];
  if (curve === undefined) return `unsupported key type "${type}"`;
  const id = r.string()?.toString('latin1');
  const q = r.string();
  if (id === undefined || q === undefined) return truncated;
  if (id !== curve.curve) return `declared curve ${curve.curve} does not match the blob's curve (${id})`;
  if (q.length !== curve.point || q[0] !== 4) return `ECDSA point has the wrong size or is compressed (expected ${curve.point} bytes)`;
  const half = (curve.point - 1) / 2;
  const x = q.subarray(1, 1 + half).toString('base64url');
  const y = q.subarray(1 + half).toString('base64url');
  if (!validPublic({ kty: 'EC', crv: curve.jwk, x, y })) return 'ECDSA key is not valid (the point is not on the curve)';
  if (type.startsWith('sk-') && r.string() === undefined) return truncated;
  return curve.bits;
}

function validPublic(jwk: Record<string, string>): boolean {
  try {
    createPublicKey({ key: jwk, format: 'jwk' });
    return true;
  } catch {
    return false;
  }
}

function stripMpint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

function bitLength(b: Buffer): number {
  const top = b[0] ?? 0;
  return top === 0 ? 0 : (b.length - 1) * 8 + (32 - Math.clz32(top));
}
