// The form <-> config mapping, judged by the real config schema: a filled form gives a valid
// config; a stored config fills the form back; every schema path lands on a form field.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../../provisioning/config/validate.js';
import { configToDraft, draftToConfig, emptyDraft, fieldOf } from '../../../../renderer/src/state/draft.js';

const filled = {
  ...emptyDraft,
  hostname: 'edge-01',
  username: 'ops',
  password: 'correct horse',
  sshKeys: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@laptop',
  wifiSsid: 'shop floor',
  wifiPassword: 'long enough passphrase',
  wifiCountry: 'de',
  network: 'static' as const,
  ethAddress: '192.168.1.50/24',
  ethGateway: '192.168.1.1',
  ethDns: '1.1.1.1, 9.9.9.9',
  timezone: 'Europe/Berlin',
  locale: 'de_DE.UTF-8',
  keyboard: 'de',
  containers: [{ name: 'mqtt', image: 'docker.io/eclipse-mosquitto:2', ports: '1883:1883' }],
  volumes: [{ name: 'containers', size: '8G', mountpoint: '' }],
};

describe('draftToConfig', () => {
  it('gives a config the schema accepts', () => {
    const r = validateConfig(draftToConfig(filled));
    expect(r.ok ? [] : r.issues).toEqual([]);
  });
  it('leaves out what was not filled in', () => {
    expect(draftToConfig(emptyDraft)).toEqual({ version: 1, ssh: { enabled: true, password_authentication: false } });
  });
  it('round-trips through configToDraft (secrets come back as hashes only)', () => {
    const back = configToDraft(draftToConfig(filled));
    expect({ ...back, password: 'correct horse', wifiPassword: 'long enough passphrase', wifiCountry: 'de' }).toEqual(filled);
  });
});

describe('fieldOf', () => {
  it.each([
    [['hostname'], 'hostname'],
    [['users', 0, 'name'], 'username'],
    [['users', 0, 'password'], 'password'],
    [['users', 0, 'ssh_authorized_keys', 2], 'sshKeys'],
    [['network', 'wifis', 'wlan0', 'access-points', 'x', 'password'], 'wifiPassword'],
    [['network', 'wifis', 'wlan0', 'regulatory-domain'], 'wifiCountry'],
    [['network', 'ethernets', 'eth0', 'gateway4'], 'ethGateway'],
    [['network', 'ethernets', 'eth0', 'addresses', 0], 'ethAddress'],
    [['containers', 1, 'ports', 0], 'containers.1.ports'],
    [['storage', 'volumes', 0, 'size'], 'volumes.0.size'],
    [['keyboard', 'layout'], 'keyboard'],
    [['files', 0, 'path'], 'general'],
  ] as const)('%j -> %s', (path, field) => {
    expect(fieldOf(path)).toBe(field);
  });
});
