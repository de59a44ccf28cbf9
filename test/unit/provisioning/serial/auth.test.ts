// Serial key derivation and message signing (pure). The agent's shell HMAC against these is
// checked under dash and busybox in test/integration/serial-agent-hmac.test.ts.
import { describe, it, expect } from 'vitest';
import { createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { authMac, authMessage, deriveSerialKey, withAuth } from '../../../../provisioning/serial/auth.js';

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
});
