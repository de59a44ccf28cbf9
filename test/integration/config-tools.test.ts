// Real tools judge the config secrets and keys: `openssl passwd -6` for SHA-512-crypt,
// `wpa_passphrase` for Wi-Fi PSKs, `ssh-keygen` for the SSH keys we accept or refuse.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentForm } from '../../provisioning/config/agent-form.js';
import { renderConfig } from '../../provisioning/config/render.js';
import { deriveSerialKey, wifiPsk } from '../../provisioning/config/secrets.js';
import { randomCryptSalt, sha512Crypt } from '../../provisioning/config/sha512-crypt.js';
import { parseSshPublicKey } from '../../provisioning/config/ssh-key.js';
import { validateConfig } from '../../provisioning/config/validate.js';
import { shSync, shSyncOk } from '../../testkit/sh.js';

const run = (cmd: string, args: string[]): string => shSyncOk(cmd, args).trim();

const openssl = (salt: string, pw: string): string => run('openssl', ['passwd', '-6', '-salt', salt, pw]);

describe('SHA-512-crypt against openssl passwd -6', () => {
  const cases: Array<[string, string]> = [
    ['abcdefgh', 'secret'],
    ['saltsalt', 'pässwörd€ with ünïcödé 🔐'],
    ['x', 'a'],
    ['0123456789abcdef', 'exactly sixteen salt chars'],
    ['Zz./09AaBbCcDdEe', 'p'.repeat(130)],
    ['shortsalt', ''.padEnd(64, 'é')],
  ];
  it.each(cases)('salt %s', (salt, pw) => {
    expect(sha512Crypt(pw, { salt })).toBe(openssl(salt, pw));
  });

  it('rounds= matches (and is written like glibc)', () => {
    for (const rounds of [1000, 5000, 12345]) {
      const ours = sha512Crypt('secret', { salt: 'abcdefgh', rounds });
      expect(ours.startsWith(`$6$rounds=${rounds}$abcdefgh$`)).toBe(true);
      expect(ours).toBe(openssl(`rounds=${rounds}$abcdefgh`, 'secret'));
    }
  });

  it('truncates a salt over 16 characters like glibc', () => {
    const long = '0123456789abcdefXYZ';
    const ours = sha512Crypt('secret', { salt: long });
    expect(ours.split('$')[2]).toBe('0123456789abcdef');
    expect(ours).toBe(openssl(long, 'secret'));
  });

  it('random-salt hashes verify with openssl using the salt we chose', () => {
    for (const pw of ['hunter2', 'Grüße aus Köln', 'x']) {
      const ours = sha512Crypt(pw);
      const salt = ours.split('$')[2] ?? '';
      expect(salt).toMatch(/^[./0-9A-Za-z]{16}$/);
      expect(ours).toBe(openssl(salt, pw));
    }
    expect(randomCryptSalt()).not.toBe(randomCryptSalt());
  });

  it('rendered configs carry hashes that openssl reproduces', () => {
    const r = renderConfig({ version: 1, users: [{ name: 'alice', password: 'Tr0ub4dor&3' }] });
    const hash = r.config.users?.[0]?.password_hash ?? '';
    expect(hash).toBe(openssl(hash.split('$')[2] ?? '', 'Tr0ub4dor&3'));
    expect(r.configYaml).not.toContain('Tr0ub4dor&3');
  });
});

describe('Wi-Fi PSK against wpa_passphrase', () => {
  const cases: Array<[string, string]> = [
    ['home', 'password123'],
    ['My Network', 'correct horse battery staple'],
    ['Café-WLAN ☕', '12345678'],
    ['x', `${'~!@#$%^&*()_+{}|:<>?'.repeat(3)}abc`],
  ];
  it.each(cases)('%s', (ssid, pass) => {
    const out = run('wpa_passphrase', [ssid, pass]);
    const expected = /^\s*psk=([0-9a-f]{64})$/m.exec(out)?.[1];
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(wifiPsk(ssid, pass)).toBe(expected);
  });

  it('the agent form carries the same PSK in wpa_supplicant.conf, never the passphrase', () => {
    const r = renderConfig({
      version: 1,
      network: { version: 2, wifis: { wlan0: { 'regulatory-domain': 'DE', dhcp4: true, 'access-points': { home: { password: 'password123' } } } } },
    });
    const expected = /^\s*psk=([0-9a-f]{64})$/m.exec(run('wpa_passphrase', ['home', 'password123']))?.[1] ?? 'missing';
    const wpa = parseAgentForm(r.agentForm).values.get('wifi.wpa_supplicant') ?? '';
    expect(wpa).toContain(`psk=${expected}`);
    expect(wpa).toContain('country=DE');
    expect(r.agentForm + r.configYaml + r.ignition + r.cloudInit.userData + (r.cloudInit.networkConfig ?? '')).not.toContain('password123');
  });
});

describe('SSH keys made by ssh-keygen', () => {
  let dir = '';
  const keys: Record<string, string> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), '3os-sshkeys-'));
    const gen = (name: string, args: string[]): void => {
      run('ssh-keygen', ['-q', '-N', '', '-C', `${name}@test`, '-f', join(dir, name), ...args]);
      keys[name] = readFileSync(join(dir, `${name}.pub`), 'utf8');
    };
    gen('ed25519', ['-t', 'ed25519']);
    gen('rsa2048', ['-t', 'rsa', '-b', '2048']);
    gen('rsa3072', ['-t', 'rsa', '-b', '3072']);
    gen('rsa1024', ['-t', 'rsa', '-b', '1024']);
    gen('ecdsa256', ['-t', 'ecdsa', '-b', '256']);
    gen('ecdsa384', ['-t', 'ecdsa', '-b', '384']);
    gen('ecdsa521', ['-t', 'ecdsa', '-b', '521']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['ed25519', 'rsa2048', 'rsa3072', 'ecdsa256', 'ecdsa384', 'ecdsa521'])('accepts %s with the fingerprint and size ssh-keygen reports', (name) => {
    const line = keys[name] ?? '';
    const r = parseSshPublicKey(line);
    expect(r.ok, r.ok ? '' : r.reason).toBe(true);
    if (!r.ok) return;
    // ssh-keygen -l: "<bits> SHA256:<fp> <comment> (<TYPE>)"
    const [bits, fp] = run('ssh-keygen', ['-l', '-f', join(dir, `${name}.pub`)]).split(' ');
    expect(r.key.fingerprint).toBe(fp);
    expect(String(r.key.bits)).toBe(bits);
    expect(r.key.comment).toBe(`${name}@test`);
  });

  it('refuses a 1024-bit RSA key, reading the size from the modulus', () => {
    const r = parseSshPublicKey(keys.rsa1024 ?? '');
    expect(r).toEqual({ ok: false, reason: 'RSA key is 1024 bits; at least 2048 are required' });
  });

  it('refuses a corrupted blob, a mismatched type, a truncated key and a private key', () => {
    const [type = '', blob = '', comment = ''] = (keys.ed25519 ?? '').trim().split(' ');
    // A flipped character inside the embedded type name (bytes 4..14 of the blob).
    const flipped = blob.slice(0, 10) + (blob[10] === 'A' ? 'B' : 'A') + blob.slice(11);
    const cases = [
      `${type} ${blob.slice(0, -3)}x== ${comment}`,
      `${type} ${blob.slice(0, 40)} ${comment}`,
      `ssh-rsa ${blob} ${comment}`,
      `${type} ${flipped} ${comment}`,
      readFileSync(join(dir, 'ed25519'), 'utf8'),
    ];
    const reasons = cases.map((c) => {
      const r = parseSshPublicKey(c);
      return r.ok ? 'accepted' : r.reason;
    });
    expect(reasons[0]).toMatch(/base64 blob is corrupt/);
    expect(reasons[1]).toMatch(/corrupt|truncated/);
    expect(reasons[2]).toBe('declared type ssh-rsa does not match the key inside the blob (ssh-ed25519)');
    expect(reasons[3]).toMatch(/^declared type ssh-ed25519 does not match the key inside the blob/);
    expect(reasons[4]).toMatch(/PRIVATE key/);
  });

  it('a corrupted ECDSA point is refused (not on the curve)', () => {
    const [type = '', blob = ''] = (keys.ecdsa256 ?? '').trim().split(' ');
    const bytes = Buffer.from(blob, 'base64');
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0x55;
    const r = parseSshPublicKey(`${type} ${bytes.toString('base64')}`);
    expect(r.ok ? 'accepted' : r.reason).toBe('ECDSA key is not valid (the point is not on the curve)');
  });

  it('the schema reports the key path and reason; options prefixes are accepted', () => {
    const good = `from="10.0.0.0/8",no-pty ${(keys.ed25519 ?? '').trim()}`;
    const v = validateConfig({ version: 1, users: [{ name: 'bob', ssh_authorized_keys: [keys.rsa2048, good, 'ssh-ed25519 AAAA!!'] }] });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.issues.map((i) => `${i.path.join('/')}: ${i.message}`)).toEqual([
      'users/0/ssh_authorized_keys/2: not an OpenSSH public key (base64 blob is corrupt)',
    ]);
  });
});

describe('serial key against openssl kdf PBKDF2', () => {
  it('derives what openssl derives from the same salt bytes', () => {
    const d = deriveSerialKey('a serial passphrase ü');
    const out = run('openssl', ['kdf', '-keylen', '32', '-kdfopt', 'digest:SHA256', '-kdfopt', 'pass:a serial passphrase ü',
      '-kdfopt', `hexsalt:${d.salt}`, '-kdfopt', 'iter:200000', 'PBKDF2']);
    expect(out.replace(/:/g, '').toLowerCase()).toBe(d.key);
  });
});

describe('agent form read by a POSIX shell (dash + busybox)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), '3os-agent-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The kind of loop the device agent runs: no YAML parser, only read/case/base64/sha256sum.
  const SCRIPT = `set -eu
form="$1"; yaml="$2"; out="$3"
read -r header < "$form"
[ "$header" = "# 3os-agent-config v1" ] || { echo "bad header" >&2; exit 3; }
want=$(tail -n 1 "$form" | sed -n 's/^digest=//p')
have=$(busybox sha256sum "$yaml" | cut -d' ' -f1)
[ "$want" = "$have" ] || { echo "digest mismatch" >&2; exit 4; }
mkdir -p "$out"
tail -n +2 "$form" | while IFS= read -r line; do
  key=\${line%%=*}; value=\${line#*=}
  case "$key" in digest) continue ;; esac
  printf '%s' "$value" | busybox base64 -d > "$out/$key"
done
`;

  it('decodes every value and checks the digest', () => {
    const r = renderConfig({
      version: 1, hostname: 'edge-9',
      users: [{ name: 'alice', password: 'pw', groups: ['wheel', 'docker'] }],
      files: [{ path: '/etc/x.bin', mode: '0600', contents_base64: Buffer.from([0, 255, 10, 61]).toString('base64') }],
      containers: [{ name: 'web', image: 'nginx', env: { A: 'x=y', B: 'ü' } }],
    });
    const form = join(dir, 'config.agent');
    const yaml = join(dir, 'config.yaml');
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'agent.sh'), SCRIPT);
    writeFileSync(form, r.agentForm);
    writeFileSync(yaml, r.configYaml);
    shSyncOk('dash', [join(dir, 'agent.sh'), form, yaml, out]);
    expect(readFileSync(join(out, 'hostname'), 'utf8')).toBe('edge-9');
    expect(readFileSync(join(out, 'users.0.password_hash'), 'utf8')).toBe(r.config.users?.[0]?.password_hash);
    expect(readFileSync(join(out, 'users.0.groups'), 'utf8')).toBe('wheel,docker');
    expect(readFileSync(join(out, 'files.0.contents'))).toEqual(Buffer.from([0, 255, 10, 61]));
    expect(readFileSync(join(out, 'containers.0.env'), 'utf8')).toBe('A=x=y\nB=ü');

    writeFileSync(yaml, `${r.configYaml}# hand edit\n`);
    expect(shSync('dash', [join(dir, 'agent.sh'), form, yaml, out]).code).toBe(4);
  });
});
