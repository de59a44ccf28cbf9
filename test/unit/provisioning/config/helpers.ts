// Test helpers: OpenSSH public key lines built from node:crypto keys (no ssh-keygen needed in unit tests).
import { generateKeyPairSync } from 'node:crypto';

function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function mpint(b: Buffer): Buffer {
  return (b[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
}

export function ed25519Line(comment = 'me@host'): string {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.from(jwk.x ?? '', 'base64url'))]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

export function rsaLine(bits: number): string {
  const jwk = generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([sshString('ssh-rsa'), sshString(mpint(Buffer.from(jwk.e ?? '', 'base64url'))), sshString(mpint(Buffer.from(jwk.n ?? '', 'base64url')))]);
  return `ssh-rsa ${blob.toString('base64')} rsa@host`;
}

export function ecdsaLine(curve: 'nistp256' | 'nistp384' | 'nistp521', sk = false): string {
  const named = { nistp256: 'P-256', nistp384: 'P-384', nistp521: 'P-521' }[curve];
  const jwk = generateKeyPairSync('ec', { namedCurve: named }).publicKey.export({ format: 'jwk' });
  const q = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]);
  const type = sk ? `sk-ecdsa-sha2-${curve}@openssh.com` : `ecdsa-sha2-${curve}`;
  const parts = [sshString(type), sshString(curve), sshString(q)];
  if (sk) parts.push(sshString('ssh:'));
  return `${type} ${Buffer.concat(parts).toString('base64')}`;
}

export function skEd25519Line(): string {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const type = 'sk-ssh-ed25519@openssh.com';
  const blob = Buffer.concat([sshString(type), sshString(Buffer.from(jwk.x ?? '', 'base64url')), sshString('ssh:')]);
  return `${type} ${blob.toString('base64')}`;
}

/** Same key bytes, but the blob claims another type name. */
export function blobWithType(line: string, declared: string): string {
  const [, blob = ''] = line.split(' ');
  return `${declared} ${blob}`;
}
