// The live settings check: real schema validation per device, problems tied to field paths,
// shared problems reported once, per-device problems naming their devices, hostname previews.
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../../../main/backend/config-check.js';

const date = new Date(2026, 10, 25);

describe('checkConfig', () => {
  it('previews each device hostname from the template', () => {
    const r = checkConfig({ version: 1, hostname: 'edge-{index:02}' }, [{ index: 1 }, { index: 2 }, { index: 10 }], date);
    expect(r.ok).toBe(true);
    expect(r.devices.map((d) => d.hostname)).toEqual(['edge-01', 'edge-02', 'edge-10']);
  });
  it('uses serials and dates', () => {
    const r = checkConfig({ version: 1, hostname: 'n-{serial}-{date}' }, [{ index: 1, serial: 'AB_12' }], date);
    expect(r.devices[0]?.hostname).toBe('n-ab-12-20261125');
  });
  it('reports a problem shared by all devices once, at its field', () => {
    const r = checkConfig({ version: 1, hostname: 'edge-{index}', users: [{ name: 'Bad Name' }], timezone: 'Mars/Olympus' }, [{ index: 1 }, { index: 2 }], date);
    expect(r.ok).toBe(false);
    const fields = r.issues.map((i) => i.field);
    expect(fields.filter((f) => f === 'users[0].name')).toHaveLength(1);
    expect(fields).toContain('timezone');
    expect(r.issues.every((i) => i.scope === undefined)).toBe(true);
  });
  it('names the devices a problem belongs to', () => {
    const r = checkConfig({ version: 1, hostname: 'h-{serial}' }, [{ index: 1, serial: 'S1' }, { index: 2 }], date);
    const i = r.issues.find((x) => x.field === 'hostname');
    expect(i?.scope).toBe('device 2');
    expect(r.devices[0]?.hostname).toBe('h-s1');
    expect(r.devices[1]?.hostname).toBeUndefined();
  });
  it('refuses the same hostname for two devices', () => {
    const r = checkConfig({ version: 1, hostname: 'edge' }, [{ index: 1 }, { index: 2 }], date);
    expect(r.ok).toBe(false);
    expect(r.issues).toContainEqual(expect.objectContaining({ field: 'hostname', message: expect.stringContaining('devices 1, 2') as unknown }));
  });
  it('reports bad Wi-Fi and keys at their paths', () => {
    const r = checkConfig(
      {
        version: 1,
        users: [{ name: 'ops', ssh_authorized_keys: ['ssh-ed25519 notbase64'] }],
        network: { version: 2, wifis: { wlan0: { 'access-points': { home: { password: 'short' } }, 'regulatory-domain': 'XX' } } },
      },
      [{ index: 1 }],
      date,
    );
    const paths = r.issues.map((i) => i.path.join('/'));
    expect(paths).toContain('users/0/ssh_authorized_keys/0');
    expect(paths).toContain('network/wifis/wlan0/access-points/home/password');
    expect(paths).toContain('network/wifis/wlan0/regulatory-domain');
  });
});
