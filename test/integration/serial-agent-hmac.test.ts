// The device agent's HMAC (assets/agent/lib/proto.sh: shell arithmetic + sha256sum) run under the
// real shells it ships for (dash, busybox ash) must agree with Node's. The pure key derivation and
// message format are in test/unit/provisioning/serial/auth.test.ts.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const PROTO = fileURLToPath(new URL('../../assets/agent/lib/proto.sh', import.meta.url));

describe('agent HMAC under real shells', () => {
  // Keys that contain the bytes that turn into NUL after the pad XOR (0x36, 0x5c) included.
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
