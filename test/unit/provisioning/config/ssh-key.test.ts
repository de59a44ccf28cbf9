import { describe, expect, it } from 'vitest';
import { parseSshPublicKey } from '../../../../provisioning/config/ssh-key.js';
import { ecdsaLine, ed25519Line, rsaLine, skEd25519Line } from './helpers.js';

const reason = (line: string): string => {
  const r = parseSshPublicKey(line);
  return r.ok ? 'ok' : r.reason;
};

describe('parseSshPublicKey', () => {
  const ed = ed25519Line();
  it.each([
    ['ed25519', ed],
    ['rsa 2048', rsaLine(2048)],
    ['ecdsa p256', ecdsaLine('nistp256')],
    ['ecdsa p384', ecdsaLine('nistp384')],
    ['ecdsa p521', ecdsaLine('nistp521')],
    ['sk-ecdsa', ecdsaLine('nistp256', true)],
    ['sk-ed25519', skEd25519Line()],
    ['options prefix', `no-pty,from="10.0.0.0/8,192.168.1.1",command="echo \\"hi\\"" ${ed}`],
    ['restrict', `restrict ${ed}`],
    ['no comment', ed.split(' ').slice(0, 2).join(' ')],
  ])('accepts %s', (_name, line) => {
    expect(reason(line)).toBe('ok');
  });

  it('reports bits, comment and options', () => {
    const r = parseSshPublicKey(`no-pty ${rsaLine(3072)}`);
    expect(r.ok && { bits: r.key.bits, type: r.key.type, comment: r.key.comment, options: r.key.options }).toEqual({
      bits: 3072, type: 'ssh-rsa', comment: 'rsa@host', options: 'no-pty',
    });
  });

  it.each([
    ['empty', '', 'empty key'],
    ['garbage', 'hello world', 'not an OpenSSH public key (expected "TYPE BASE64 [comment]", e.g. "ssh-ed25519 AAAA... me@host")'],
    ['bad base64', 'ssh-ed25519 AAAA$$$$', 'not an OpenSSH public key (base64 blob is corrupt)'],
    ['missing blob', 'ssh-ed25519', 'not an OpenSSH public key (the base64 blob is missing)'],
    ['dss', `ssh-dss ${ed.split(' ')[1] ?? ''}`, 'unsupported key type "ssh-dss" (use ssh-ed25519, ssh-rsa of at least 2048 bits, ecdsa-sha2-nistp256/384/521 or an sk-* key)'],
    ['type mismatch', `ssh-rsa ${ed.split(' ')[1] ?? ''}`, 'declared type ssh-rsa does not match the key inside the blob (ssh-ed25519)'],
    ['rsa 1024', rsaLine(1024), 'RSA key is 1024 bits; at least 2048 are required'],
    ['unknown option', `bogus-option ${ed}`, 'not an OpenSSH public key (unknown authorized_keys option "bogus-option")'],
    ['option missing value', `command ${ed}`, 'not an OpenSSH public key (option "command" needs ="value")'],
    ['unterminated quote', `from="x ${ed}`, 'not an OpenSSH public key (unterminated quote in the options prefix)'],
    ['two keys', `${ed}\n${ed}`, 'one key per entry (the text contains a line break)'],
    ['private', '-----BEGIN OPENSSH PRIVATE KEY-----', 'this is a PRIVATE key: give the public key (the .pub file) instead'],
  ])('refuses %s', (_name, line, why) => {
    expect(reason(line)).toBe(why);
  });

  it('refuses trailing bytes and a truncated blob', () => {
    const blob = Buffer.from(ed.split(' ')[1] ?? '', 'base64');
    expect(reason(`ssh-ed25519 ${Buffer.concat([blob, Buffer.from([1, 2, 3])]).toString('base64')}`)).toMatch(/trailing bytes/);
    expect(reason(`ssh-ed25519 ${blob.subarray(0, blob.length - 6).toString('base64')}`)).toMatch(/truncated|must be 32 bytes/);
  });
});
