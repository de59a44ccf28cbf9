// renderConfig: canonical config.yaml, the agent form round trip, cloud-init and Ignition.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FlashError } from '../../../../flasher/errors.js';
import { AGENT_HEADER, parseAgentForm, agentDigestMatches } from '../../../../provisioning/config/agent-form.js';
import { renderConfig, CONFIG_AGENT_PATH, CONFIG_YAML_PATH } from '../../../../provisioning/config/render.js';
import { deriveSerialKey, wifiPsk } from '../../../../provisioning/config/secrets.js';
import { verifySha512Crypt } from '../../../../provisioning/config/sha512-crypt.js';
import { validateConfig } from '../../../../provisioning/config/validate.js';
import { ed25519Line } from './helpers.js';

const KEY = ed25519Line('alice@laptop');
const BINARY = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13]);

function input(): Record<string, unknown> {
  return {
    version: 1,
    hostname: 'edge-001.lab',
    users: [
      { name: 'alice', password: 'S3cret pässword', ssh_authorized_keys: [`${KEY}\n`], groups: ['wheel', 'docker'], sudo: true, shell: '/bin/bash' },
      { name: 'svc', ssh_authorized_keys: [KEY] },
    ],
    ssh: { enabled: true, password_authentication: false },
    network: {
      version: 2,
      ethernets: {
        eth0: { dhcp4: true },
        lan1: { match: { name: 'enp1s0' }, addresses: ['10.0.0.5/24', '2001:db8::5/64'], gateway4: '10.0.0.1', routes: [{ to: '10.8.0.0/16', via: '10.0.0.254' }], nameservers: { addresses: ['1.1.1.1', '9.9.9.9'], search: ['lab.example'] } },
      },
      wifis: { wlan0: { dhcp4: true, 'regulatory-domain': 'DE', 'access-points': { 'Home Net': { password: 'password123', hidden: true }, 'Café ☕': { password: 'another-pass' } } } },
    },
    timezone: 'Europe/Berlin',
    locale: 'de_DE.UTF-8',
    keyboard: { layout: 'de', variant: 'nodeadkeys' },
    storage: { volumes: [{ name: 'data', size: '60%FREE', create: true, filesystem: 'ext4', mountpoint: '/srv/data' }] },
    containers: [{ name: 'web', image: 'nginx:1.27', ports: ['8080:80/tcp', '8443:443'], volumes: ['data:/usr/share/nginx/html:ro'], env: { PORT: 8080, MODE: 'prod' }, restart: 'always' }],
    files: [
      { path: '/etc/motd', mode: '644', contents: 'Welcome\nto 3os\n' },
      { path: '/opt/app/blob.bin', mode: '0600', owner: 'alice:alice', contents_base64: BINARY.toString('base64') },
    ],
    update: { channel: 'stable', server: 'https://updates.example.com', auto_rollback: true },
    serial_provisioning: { lock: true, key: 'serial key passphrase' },
  };
}

const CLEAR = ['S3cret pässword', 'password123', 'another-pass', 'serial key passphrase'];

describe('renderConfig', () => {
  const r = renderConfig(input(), { instanceId: 'iid-test' });

  it('stores secrets hashed/derived, never in clear, in every output', () => {
    const all = [r.configYaml, r.agentForm, r.ignition, r.cloudInit.userData, r.cloudInit.metaData, r.cloudInit.networkConfig ?? ''].join('\n');
    const decodedAgent = [...parseAgentForm(r.agentForm).values.values()].join('\n');
    for (const s of CLEAR) {
      expect(all).not.toContain(s);
      expect(decodedAgent).not.toContain(s);
    }
    const alice = r.config.users?.[0];
    expect(alice?.password).toBeUndefined();
    expect(verifySha512Crypt('S3cret pässword', alice?.password_hash ?? '')).toBe(true);
    expect(r.config.network?.wifis?.wlan0?.['access-points']['Home Net']).toEqual({ psk: wifiPsk('Home Net', 'password123'), hidden: true });
    const sp = r.config.serial_provisioning;
    expect(sp?.key).toBeUndefined();
    expect(deriveSerialKey('serial key passphrase', sp?.key_salt).key).toBe(sp?.key_derived);
  });

  it('config.yaml: header, version 1, schema key order, and it validates again as is', () => {
    expect(r.configYaml.startsWith('# 3os first-boot configuration, schema v1')).toBe(true);
    const back: unknown = parse(r.configYaml);
    expect(Object.keys(back as object)).toEqual(['version', 'hostname', 'users', 'ssh', 'network', 'timezone', 'locale', 'keyboard', 'storage', 'containers', 'files', 'update', 'serial_provisioning']);
    expect((back as { version: number }).version).toBe(1);
    const v = validateConfig(back);
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.config).toEqual(r.config);
    // Re-rendering the stored form is stable (no secret is re-hashed).
    expect(renderConfig(back).configYaml).toBe(r.configYaml);
  });

  it('key order does not depend on the input order', () => {
    const shuffled = Object.fromEntries(Object.entries(input()).reverse());
    const a = validateConfig(parse(renderConfig(shuffled).configYaml));
    expect(a.ok && Object.keys(a.config)).toEqual(Object.keys(r.config));
  });

  it('seed files are config.yaml then config.agent', () => {
    expect(r.seedFiles.map((f) => f.path)).toEqual([CONFIG_YAML_PATH, CONFIG_AGENT_PATH]);
    expect(r.seedFiles[0]?.data.toString('utf8')).toBe(r.configYaml);
  });

  it('agent form: format rules and round trip', () => {
    const lines = r.agentForm.split('\n');
    expect(lines[0]).toBe(AGENT_HEADER);
    expect(r.agentForm.endsWith('\n')).toBe(true);
    expect(r.agentForm).not.toContain('\r');
    for (const l of lines.slice(1, -2)) expect(l).toMatch(/^[a-z0-9_.]+=[A-Za-z0-9+/]*={0,2}$/);
    const digest = createHash('sha256').update(Buffer.from(r.configYaml, 'utf8')).digest('hex');
    expect(lines[lines.length - 2]).toBe(`digest=${digest}`);

    const f = parseAgentForm(r.agentForm);
    expect(agentDigestMatches(f, r.configYaml)).toBe(true);
    expect(agentDigestMatches(f, `${r.configYaml}# edited\n`)).toBe(false);
    const v = f.values;
    const alice = r.config.users?.[0];
    const expected: Record<string, string> = {
      hostname: 'edge-001.lab', timezone: 'Europe/Berlin', locale: 'de_DE.UTF-8', 'keyboard.layout': 'de', 'keyboard.variant': 'nodeadkeys',
      'ssh.enabled': 'true', 'ssh.password_authentication': 'false',
      'users.count': '2', 'users.0.name': 'alice', 'users.0.password_hash': alice?.password_hash ?? 'x', 'users.0.groups': 'wheel,docker',
      'users.0.sudo': 'true', 'users.0.shell': '/bin/bash', 'users.0.ssh_authorized_keys': KEY, 'users.1.name': 'svc', 'users.1.ssh_authorized_keys': KEY,
      'net.count': '3', 'net.0.type': 'ethernet', 'net.0.iface': 'eth0', 'net.0.dhcp4': 'true', 'net.0.dhcp6': 'false',
      'net.1.iface': 'enp1s0', 'net.1.dhcp4': 'false', 'net.1.addresses': '10.0.0.5/24 2001:db8::5/64', 'net.1.gateway4': '10.0.0.1',
      'net.1.dns': '1.1.1.1 9.9.9.9', 'net.1.routes': '10.8.0.0/16 10.0.0.254', 'net.2.type': 'wifi', 'net.2.iface': 'wlan0',
      'wifi.country': 'DE',
      'containers.count': '1', 'containers.0.name': 'web', 'containers.0.image': 'nginx:1.27', 'containers.0.ports': '8080:80/tcp\n8443:443',
      'containers.0.volumes': 'data:/usr/share/nginx/html:ro', 'containers.0.env': 'PORT=8080\nMODE=prod', 'containers.0.restart': 'always',
      'files.count': '2', 'files.0.path': '/etc/motd', 'files.0.mode': '0644', 'files.0.contents': 'Welcome\nto 3os\n',
      'files.1.path': '/opt/app/blob.bin', 'files.1.mode': '0600', 'files.1.owner': 'alice:alice',
      'update.channel': 'stable', 'update.server': 'https://updates.example.com', 'update.auto_rollback': 'true',
      'serial.lock': 'true', 'serial.salt': r.config.serial_provisioning?.key_salt ?? 'x', 'serial.key': r.config.serial_provisioning?.key_derived ?? 'x',
      'storage.json': JSON.stringify({ volumes: [{ name: 'data', size: '60%FREE', create: true, filesystem: 'ext4', mountpoint: '/srv/data' }] }),
    };
    for (const [k, x] of Object.entries(expected)) expect(v.get(k), k).toBe(x);
    expect(f.raw.get('files.1.contents')).toEqual(BINARY);
    expect(v.has('users.1.password_hash')).toBe(false);
    expect(v.has('users.1.sudo')).toBe(false);

    const netplan: unknown = parse(v.get('network.netplan') ?? '');
    expect(netplan).toMatchObject({ network: { version: 2, ethernets: { lan1: { match: { name: 'enp1s0' }, routes: [{ to: '0.0.0.0/0', via: '10.0.0.1' }, { to: '10.8.0.0/16', via: '10.0.0.254' }] } } } });
    expect(netplan).toMatchObject({ network: { wifis: { wlan0: { 'access-points': { 'Home Net': { password: wifiPsk('Home Net', 'password123'), hidden: true } } } } } });
    const wpa = v.get('wifi.wpa_supplicant') ?? '';
    expect(wpa).toContain('country=DE');
    expect(wpa).toContain(`\tssid="Home Net"\n\tscan_ssid=1\n\tkey_mgmt=WPA-PSK\n\tpsk=${wifiPsk('Home Net', 'password123')}`);
    expect(wpa).toContain(`\tssid=${Buffer.from('Café ☕').toString('hex')}\n`);
  });

  it('absent fields are omitted from the agent form', () => {
    const f = parseAgentForm(renderConfig({ version: 1, hostname: 'x' }).agentForm);
    expect([...f.values.keys()]).toEqual(['hostname']);
  });

  it('parseAgentForm refuses malformed forms', () => {
    const good = renderConfig({ version: 1, hostname: 'x' }).agentForm;
    expect(() => parseAgentForm(good.replace('# 3os-agent-config v1', '# v2'))).toThrow(/first line/);
    expect(() => parseAgentForm(good.replace(/\n/g, '\r\n'))).toThrow(/LF/);
    expect(() => parseAgentForm(good.replace(/digest=.*\n/, ''))).toThrow(/digest/);
    expect(() => parseAgentForm(good.replace('hostname=', 'Host-Name='))).toThrow(/key=value/);
    expect(() => parseAgentForm(good.replace('hostname=eA==', 'hostname=eA'))).toThrow(/base64/);
  });

  it('cloud-init NoCloud: #cloud-config user-data, meta-data, network-config v2', () => {
    const ud = r.cloudInit.userData;
    expect(ud.split('\n')[0]).toBe('#cloud-config');
    const doc = parse(ud) as Record<string, unknown>;
    expect(doc).toMatchObject({
      hostname: 'edge-001', fqdn: 'edge-001.lab', timezone: 'Europe/Berlin', locale: 'de_DE.UTF-8',
      keyboard: { layout: 'de', variant: 'nodeadkeys' }, ssh_pwauth: false,
      users: [
        { name: 'alice', lock_passwd: false, hashed_passwd: r.config.users?.[0]?.password_hash, groups: ['wheel', 'docker'], sudo: 'ALL=(ALL) ALL', shell: '/bin/bash', ssh_authorized_keys: [KEY] },
        { name: 'svc', lock_passwd: true, ssh_authorized_keys: [KEY] },
      ],
      write_files: [
        { path: '/etc/motd', permissions: '0644', encoding: 'b64', content: Buffer.from('Welcome\nto 3os\n').toString('base64') },
        { path: '/opt/app/blob.bin', permissions: '0600', owner: 'alice:alice', encoding: 'b64', content: BINARY.toString('base64'), defer: true },
      ],
    });
    expect((doc.write_files as Array<Record<string, unknown>>)[0]).not.toHaveProperty('defer');
    expect(parse(r.cloudInit.metaData)).toEqual({ 'instance-id': 'iid-test', 'local-hostname': 'edge-001.lab' });
    expect(parse(r.cloudInit.networkConfig ?? '')).toMatchObject({ network: { version: 2, ethernets: { eth0: { dhcp4: true } } } });
    // A fresh instance-id each time by default.
    const a = renderConfig({ version: 1 }).cloudInit.metaData;
    expect(a).toMatch(/^instance-id: 3os-[0-9a-f-]{36}\n$/);
    expect(renderConfig({ version: 1 }).cloudInit.metaData).not.toBe(a);
  });

  it('Ignition 3.0.0: passwd.users, storage.files/links, systemd.units', () => {
    const ign = JSON.parse(r.ignition) as {
      ignition: { version: string };
      passwd: { users: Array<Record<string, unknown>> };
      storage: { files: Array<{ path: string; mode: number; contents: { source: string }; user?: unknown }>; links: unknown[] };
      systemd: { units: Array<Record<string, unknown>> };
    };
    expect(ign.ignition.version).toBe('3.0.0');
    // Supplementary groups are the first-boot unit's (see the groups test below), not useradd's.
    expect(ign.passwd.users[0]).toEqual({ name: 'alice', passwordHash: r.config.users?.[0]?.password_hash, sshAuthorizedKeys: [KEY], shell: '/bin/bash' });
    expect(ign.passwd.users[1]).toEqual({ name: 'svc', sshAuthorizedKeys: [KEY] });
    const byPath = new Map(ign.storage.files.map((f) => [f.path, f]));
    const body = (p: string): Buffer => Buffer.from((byPath.get(p)?.contents.source ?? '').replace(/^data:;base64,/, ''), 'base64');
    expect(body('/etc/hostname').toString()).toBe('edge-001.lab\n');
    expect(body('/opt/app/blob.bin')).toEqual(BINARY);
    expect(byPath.get('/opt/app/blob.bin')).toMatchObject({ mode: 0o600, user: { name: 'alice' }, group: { name: 'alice' } });
    expect(byPath.get('/etc/sudoers.d/3os-alice')?.mode).toBe(0o440);
    const nm = body('/etc/NetworkManager/system-connections/3os-wlan0-0.nmconnection').toString();
    expect(nm).toContain('interface-name=wlan0\n');
    expect(nm).toContain(`psk=${wifiPsk('Home Net', 'password123')}`);
    expect(byPath.get('/etc/NetworkManager/system-connections/3os-lan1.nmconnection')?.mode).toBe(0o600);
    expect(body('/etc/NetworkManager/system-connections/3os-lan1.nmconnection').toString()).toContain('address1=10.0.0.5/24\ngateway=10.0.0.1\n');
    expect(ign.storage.links).toEqual([{ path: '/etc/localtime', target: '../usr/share/zoneinfo/Europe/Berlin', hard: false, overwrite: true }]);
    expect(ign.systemd.units.map((u) => [u.name, u.enabled])).toEqual([['sshd.service', true], ['3os-first-boot-groups.service', true]]);
  });

  it('Ignition output uses only property names of the published 3.4.0 schema (config/v3_4/schema/ignition.json)', () => {
    // Key sets per node kind, transcribed from the Ignition v3_4 JSON schema.
    const allowed: Record<string, string[]> = {
      root: ['ignition', 'storage', 'systemd', 'passwd', 'kernelArguments'],
      ignition: ['version', 'config', 'timeouts', 'security', 'proxy'],
      passwd: ['users', 'groups'],
      user: ['name', 'passwordHash', 'sshAuthorizedKeys', 'uid', 'gecos', 'homeDir', 'noCreateHome', 'primaryGroup', 'groups', 'noUserGroup', 'system', 'noLogInit', 'shell', 'shouldExist'],
      storage: ['disks', 'raid', 'luks', 'filesystems', 'files', 'directories', 'links'],
      file: ['path', 'overwrite', 'user', 'group', 'mode', 'contents', 'append'],
      link: ['path', 'overwrite', 'user', 'group', 'target', 'hard'],
      owner: ['id', 'name'],
      resource: ['source', 'compression', 'httpHeaders', 'verification'],
      systemd: ['units'],
      unit: ['name', 'enabled', 'mask', 'contents', 'dropins'],
    };
    const keysIn = (o: unknown, kind: string): void => {
      for (const k of Object.keys(o as object)) expect(allowed[kind], `${kind}.${k}`).toContain(k);
    };
    const ign = JSON.parse(r.ignition) as Record<string, Record<string, Array<Record<string, unknown>>>>;
    keysIn(ign, 'root');
    keysIn(ign.ignition, 'ignition');
    keysIn(ign.passwd, 'passwd');
    for (const u of ign.passwd?.users ?? []) keysIn(u, 'user');
    keysIn(ign.storage, 'storage');
    for (const f of ign.storage?.files ?? []) {
      keysIn(f, 'file');
      keysIn(f.contents, 'resource');
      expect(Number.isInteger(f.mode)).toBe(true);
      if (f.user) keysIn(f.user, 'owner');
      if (f.group) keysIn(f.group, 'owner');
    }
    for (const l of ign.storage?.links ?? []) keysIn(l, 'link');
    keysIn(ign.systemd, 'systemd');
    for (const u of ign.systemd?.units ?? []) keysIn(u, 'unit');
  });

  it('refuses a templated config without a device, and bad input, before rendering anything', () => {
    expect(() => renderConfig({ version: 1, hostname: 'edge-{index:03}' })).toThrow(/hostname: contains the template variable \{index:03\}/);
    expect(() => renderConfig('version: 1\nhostname: "bad host"\n')).toThrow(FlashError);
    expect(renderConfig({ version: 1, hostname: 'edge-{index:03}' }, { device: { index: 7 } }).config.hostname).toBe('edge-007');
  });
});
