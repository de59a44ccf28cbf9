// Presets: secrets hashed before they touch the disk, mode 0600 in a 0700 dir, atomic write.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlashError } from '../../../../flasher/errors.js';
import { renderBatch } from '../../../../provisioning/config/batch.js';
import { MASK, maskSecrets } from '../../../../provisioning/config/mask.js';
import { listPresets, loadPreset, savePreset } from '../../../../provisioning/config/presets.js';
import { renderConfig } from '../../../../provisioning/config/render.js';
import { verifySha512Crypt } from '../../../../provisioning/config/sha512-crypt.js';

const SECRETS = { user: 'user-password-1', wifi: 'wifi-passphrase-1', serial: 'serial-passphrase-1' };
const INPUT = {
  version: 1,
  hostname: 'line-{index:02}',
  users: [{ name: 'ops', password: SECRETS.user }],
  network: { version: 2, wifis: { wlan0: { dhcp4: true, 'access-points': { factory: { password: SECRETS.wifi } } } } },
  serial_provisioning: { lock: true, key: SECRETS.serial },
};

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), '3os-presets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('presets', () => {
  it('stores no clear secret, mode 0600 in a 0700 dir, and no temp file is left', async () => {
    const pdir = join(dir, 'presets');
    const file = await savePreset(pdir, 'Factory line 1', INPUT);
    const text = await readFile(file, 'utf8');
    for (const s of Object.values(SECRETS)) expect(text).not.toContain(s);
    expect(text).toContain('password_hash: $6$');
    expect(text).toContain('line-{index:02}');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(pdir)).mode & 0o777).toBe(0o700);
    expect(await readdir(pdir)).toEqual(['Factory line 1.yaml']);
  });

  it('loads back as a usable template (hashes kept, templates filled per device)', async () => {
    await savePreset(dir, 'p1', INPUT);
    const loaded = await loadPreset(dir, 'p1');
    const out = renderBatch(loaded, [{ index: 4 }]);
    const c = out[0]?.rendered.config;
    expect(c?.hostname).toBe('line-04');
    expect(verifySha512Crypt(SECRETS.user, c?.users?.[0]?.password_hash ?? '')).toBe(true);
  });

  it('lists presets by name; refuses bad names, bad configs, missing presets', async () => {
    await savePreset(dir, 'b', { version: 1 });
    await savePreset(dir, 'a', { version: 1 });
    await writeFile(join(dir, 'notes.txt'), 'x');
    expect((await listPresets(dir)).map((p) => p.name)).toEqual(['a', 'b']);
    expect(await listPresets(join(dir, 'absent'))).toEqual([]);
    await expect(savePreset(dir, '../escape', { version: 1 })).rejects.toThrow(/preset names/);
    await expect(savePreset(dir, 'bad', { version: 1, hostname: 'no_way' })).rejects.toThrow(FlashError);
    await expect(loadPreset(dir, 'nope')).rejects.toThrow(/no preset named "nope"/);
    expect(await readdir(dir)).toEqual(['a.yaml', 'b.yaml', 'notes.txt']);
  });

  it('overwrites atomically (the old file stays whole until the rename)', async () => {
    await savePreset(dir, 'p', { version: 1, hostname: 'one' });
    await savePreset(dir, 'p', { version: 1, hostname: 'two' });
    expect(await loadPreset(dir, 'p')).toEqual({ version: 1, hostname: 'two' });
  });
});

describe('maskSecrets', () => {
  it('masks hashes, PSKs, serial key material (input and stored forms) and nothing else', () => {
    const stored = renderConfig({ ...INPUT, hostname: 'x' }).config;
    const masked = maskSecrets(stored);
    const text = JSON.stringify(masked);
    expect(masked.users?.[0]?.password_hash).toBe(`$6$${MASK}`);
    expect(masked.network?.wifis?.wlan0?.['access-points'].factory?.psk).toBe(MASK);
    expect(masked.serial_provisioning).toEqual({ lock: true, key_salt: MASK, key_derived: MASK });
    expect(text).not.toContain(stored.users?.[0]?.password_hash?.slice(20) ?? 'x');
    expect(masked.hostname).toBe('x');
    expect(stored.users?.[0]?.password_hash).not.toContain(MASK);
    const clear = JSON.stringify(maskSecrets(INPUT));
    for (const s of Object.values(SECRETS)) expect(clear).not.toContain(s);
  });
});
