import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { authMac, authMessage, deriveSerialKey, withAuth } from '../../../../provisioning/serial/auth.js';

const PROTO = fileURLToPath(new URL('../../../../assets/agent/lib/proto.sh', import.meta.url));

describe('serial key and HMAC', () => {
  it('derives like PBKDF2-HMAC-SHA256(passphrase, salt bytes, 200000, 32)', async () => {
    const salt = '00112233445566778899aabbccddeeff';
    expect(await deriveSerialKey('pass phrase', salt)).toBe(pbkdf2Sync('pass phrase', Buffer.from(salt, 'hex'), 200000, 32, 'sha256').toString('hex'));
    await expect(deriveSerialKey('x', 'not hex')).rejects.toThrow(/not hex/);
  });

  it('signs "<nonce>|<TYPE> <args>" with the raw derived key', () => {
    const key = randomBytes(32).toString('hex');
    expect(authMessage('ab', 'REBOOT', '')).toBe('ab|REBOOT -');
    expect(authMac(key, 'ab', 'SLOT', 'set,b')).toBe(createHmac('sha256', Buffer.from(key, 'hex')).update('ab|SLOT set,b').digest('hex'));
    expect(withAuth('', 'f00')).toBe('auth=f00');
    expect(withAuth('good', 'f00')).toBe('good,auth=f00');
  });

  // The device's HMAC is shell arithmetic + sha256sum: it must agree with Node on keys that
  // contain the bytes that turn into NUL after the pad XOR (0x36, 0x5c), under both shells.
  it.each([['dash'], ['busybox ash']])('agrees with the agent HMAC under %s', (shell) => {
    const keys = [randomBytes(32).toString('hex'), '36'.repeat(32), '5c'.repeat(16) + '00'.repeat(16), 'ff'.repeat(32)];
    for (const key of keys) {
      const msg = `${randomBytes(16).toString('hex')}|SLOT set,b`;
      const [cmd, ...pre] = shell.split(' ') as [string, ...string[]];
      const out = execFileSync(cmd, [...pre, '-c', `. ${PROTO}; hmac_sha256 "$1" "$2"`, 'sh', key, msg], { env: { PATH: '/usr/bin:/bin' } }).toString();
      expect(out).toBe(createHmac('sha256', Buffer.from(key, 'hex')).update(msg).digest('hex'));
    }
  });
});
