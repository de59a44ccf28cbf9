/**
 * The programs that read our first-boot outputs on a device judge them (issue 19), from Debian
 * 12 packages (.ci/debian-packages.txt): cloud-init 22.4 (`cloud-init schema`, its network
 * parser and netplan renderer via `cloud-init devel net-convert`), netplan.io 0.106
 * (`netplan generate --root-dir`), wpa_supplicant 2.10 (its config parser, `-dd -K`),
 * NetworkManager 1.42 (libnm's keyfile reader, fixtures/nm-keyfile-read.py), Ignition 2.14
 * (`ignition-validate`, and its files stage run against a scratch root), the published Ignition
 * JSON schemas (fixtures/ignition-schema-check.py), systemd-firstboot 252 and visudo 1.9.
 * A config matrix (Wi-Fi hidden/open/hex PSK/odd SSIDs, static IPv4/IPv6 with routes and DNS,
 * users with groups and keys, owned files with modes, containers, time zones) goes through each;
 * what a consumer read back is compared with what the config says, never with our own output.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, cpSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentForm } from '../../provisioning/config/agent-form.js';
import { renderKeyfiles } from '../../provisioning/config/nm-keyfile.js';
import { renderConfig, type RenderedConfig } from '../../provisioning/config/render.js';
import { GROUPS_UNIT } from '../../provisioning/config/render-ignition.js';
import type { Config, ConfigNetwork } from '../../provisioning/config/schema.js';
import { wifiPsk } from '../../provisioning/config/secrets.js';
import { ipFamily } from '../../provisioning/config/validators.js';
import { shSync, shSyncOk } from '../../testkit/sh.js';

const PY = '/usr/bin/python3';
const FIXTURES = new URL('fixtures/', import.meta.url).pathname;
const SCHEMAS = new URL('../fixtures/ignition-schema/', import.meta.url).pathname;
const IGNITION = '/usr/lib/dracut/modules.d/30ignition/ignition';
const HEX_PSK = '0123456789abcdef'.repeat(4);

// Made at collection time: the case list (and which tests exist) depends on the rendered configs.
const dir = mkdtempSync(join(tmpdir(), '3os-consumers-'));
const keys = ['k1', 'k2', 'k3'].map((k, i) => {
  shSyncOk('ssh-keygen', ['-q', '-N', '', '-C', `${k}@test`, '-t', i === 1 ? 'rsa' : 'ed25519', '-f', join(dir, k)]);
  return readFileSync(join(dir, `${k}.pub`), 'utf8').trim();
});
afterAll(() => {
  if (process.env.KEEP_CONSUMER_FILES === undefined) rmSync(dir, { recursive: true, force: true });
  else console.log(`first-boot consumer files kept in ${dir}`);
});

/** SSIDs plain text cannot carry everywhere: blanks at the edges, ';', quotes, Unicode, '#'. */
const ODD_SSIDS = [' lead', 'trail ', '  both  ', 'a;b', '12;', 'say "hi"', 'back\\slash', 'Café ☕', '#not-a-comment', 'x'.repeat(32), 'ü'.repeat(16)];

interface Case {
  readonly name: string;
  readonly config: () => Record<string, unknown>;
}

const CASES: readonly Case[] = [
  {
    name: 'wifi hidden, passphrase, regulatory domain',
    config: () => ({ version: 1, hostname: 'wifi-1', network: { version: 2, wifis: { wlan0: { dhcp4: true, 'regulatory-domain': 'DE', 'access-points': { 'Home Net': { password: 'correct horse', hidden: true } } } } } }),
  },
  {
    name: 'wifi open and hex PSK',
    config: () => ({ version: 1, network: { version: 2, wifis: { wlan0: { dhcp4: true, dhcp6: true, 'access-points': { 'Cafe Guest': {}, hexnet: { psk: HEX_PSK } } } } } }),
  },
  {
    name: 'wifi odd and Unicode SSIDs',
    config: () => ({
      version: 1,
      network: { version: 2, wifis: { wlan0: { dhcp4: true, 'access-points': Object.fromEntries(ODD_SSIDS.map((s, i) => [s, i % 2 === 0 ? { password: `pass-${i}-word` } : {}])) } } },
    }),
  },
  {
    name: 'static IPv4/IPv6 with routes, DNS and search',
    config: () => ({
      version: 1,
      network: {
        version: 2,
        ethernets: {
          lan1: {
            match: { name: 'enp1s0' },
            addresses: ['10.0.0.5/24', '2001:db8::5/64'],
            gateway4: '10.0.0.1',
            routes: [{ to: '10.8.0.0/16', via: '10.0.0.254', metric: 50 }, { to: 'default', via: '2001:db8::1' }, { to: '2001:db8:1::/48', via: '2001:db8::fe' }],
            nameservers: { addresses: ['1.1.1.1', '2606:4700:4700::1111'], search: ['lab.example', 'example.com'] },
          },
          mgmt: { match: { macaddress: '52:54:00:12:34:56' }, addresses: ['192.168.7.2/24'], nameservers: { addresses: ['192.168.7.1'] } },
        },
      },
    }),
  },
  {
    name: 'DHCP with a static gateway and search domains; IPv6 only static',
    config: () => ({
      version: 1,
      network: {
        version: 2,
        ethernets: {
          eth0: { dhcp4: true, gateway4: '192.168.50.1', nameservers: { addresses: ['9.9.9.9'], search: ['corp.example'] } },
          eth2: { dhcp6: true, routes: [{ to: 'default', via: 'fe80::1' }] },
          eth1: { addresses: ['2001:db8:5::2/64'], routes: [{ to: '::/0', via: '2001:db8:5::1', metric: 200 }], nameservers: { addresses: ['2001:db8:5::53'], search: ['v6.example'] } },
        },
      },
    }),
  },
  {
    name: 'users with groups, keys, sudo; owned files with modes; containers; time zone alias',
    config: () => ({
      version: 1,
      hostname: 'edge-001.lab',
      timezone: 'Europe/Kiev',
      locale: 'de_DE.UTF-8',
      keyboard: { layout: 'de', variant: 'nodeadkeys' },
      ssh: { enabled: true, password_authentication: false },
      users: [
        { name: 'alice', password: 'S3cret pässword', ssh_authorized_keys: [keys[0], keys[1]], groups: ['sudo', 'docker', 'gpio', 'i2c'], sudo: true, shell: '/bin/bash' },
        { name: 'bob', ssh_authorized_keys: [keys[2]], groups: ['docker', 'users'], sudo: true },
        { name: 'carol', password: 'another one' },
      ],
      files: [
        { path: '/etc/motd', mode: '0644', contents: 'Welcome\n' },
        { path: '/home/alice/.config/app.toml', mode: '0600', contents: 'a = 1\n', owner: 'alice' },
        { path: '/opt/app/bob.bin', mode: '0640', contents_base64: Buffer.from([0, 1, 2, 255]).toString('base64'), owner: 'bob:docker' },
        { path: '/opt/app/by-id', mode: '0600', contents: 'n\n', owner: '1234:4321' },
        { path: '/opt/app/tool', mode: '4755', contents: '#!/bin/sh\n', owner: 'root:root' },
        { path: '/var/lib/app/state', mode: '0660', contents: '', owner: 'carol:gpio' },
      ],
      containers: [{ name: 'web', image: 'docker.io/library/nginx:1.27', ports: ['8080:80/tcp'], restart: 'always' }],
    }),
  },
  {
    name: 'current time zone names ICU lacks, no network',
    config: () => ({ version: 1, hostname: 'tz', timezone: 'America/Nuuk', locale: 'en_US.UTF-8', keyboard: { layout: 'us' } }),
  },
];

const rendered = new Map<string, RenderedConfig>();
function render(c: Case): RenderedConfig {
  let r = rendered.get(c.name);
  if (r === undefined) {
    r = renderConfig(c.config(), { instanceId: 'iid-consumers' });
    rendered.set(c.name, r);
  }
  return r;
}
const withNetwork = (): Case[] => CASES.filter((c) => render(c).config.network !== undefined);
const caseDir = (c: Case, what: string): string => {
  const d = join(dir, `${CASES.indexOf(c)}-${what}`);
  mkdirSync(d, { recursive: true });
  return d;
};

// ---------------------------------------------------------------------------------------------
// What the config says, per interface (read from the validated config, not from any rendering).

interface Intent {
  readonly device: string | undefined;
  readonly mac: string | undefined;
  readonly dhcp4: boolean;
  readonly dhcp6: boolean;
  readonly addresses: string[];
  /** Every route, gateway4 and `default` spelt as 0.0.0.0/0 or ::/0: [to, via, metric or undefined]. */
  readonly routes: Array<[string, string, number | undefined]>;
  readonly dns: string[];
  readonly search: string[];
  readonly aps: Array<{ ssid: string; psk: string | undefined; hidden: boolean }>;
}

function intents(net: ConfigNetwork): Map<string, Intent> {
  const out = new Map<string, Intent>();
  const all = [...Object.entries(net.ethernets ?? {}), ...Object.entries(net.wifis ?? {})];
  for (const [id, i] of all) {
    const aps = 'access-points' in i ? Object.entries((i as NonNullable<ConfigNetwork['wifis']>[string])['access-points']) : [];
    const routes: Array<[string, string, number | undefined]> = [
      ...(i.gateway4 === undefined ? [] : [['0.0.0.0/0', i.gateway4, undefined] as [string, string, undefined]]),
      ...(i.routes ?? []).map((r): [string, string, number | undefined] => [r.to === 'default' ? (ipFamily(r.via) === 6 ? '::/0' : '0.0.0.0/0') : r.to, r.via, r.metric]),
    ];
    out.set(id, {
      device: i.match?.name ?? (i.match?.macaddress === undefined ? id : undefined),
      mac: i.match?.macaddress?.toLowerCase(),
      dhcp4: i.dhcp4 === true,
      dhcp6: i.dhcp6 === true,
      addresses: i.addresses ?? [],
      routes,
      dns: i.nameservers?.addresses ?? [],
      search: i.nameservers?.search ?? [],
      aps: aps.map(([ssid, ap]) => ({ ssid, psk: ap.psk, hidden: ap.hidden === true })),
    });
  }
  return out;
}

/** The PSK the user means: the derived key of their passphrase, or the hex key they gave. */
function expectedPsks(input: Record<string, unknown>): Map<string, string> {
  const m = new Map<string, string>();
  const wifis = ((input.network as Record<string, unknown> | undefined)?.wifis ?? {}) as Record<string, { 'access-points': Record<string, { password?: string; psk?: string }> }>;
  for (const w of Object.values(wifis)) {
    for (const [ssid, ap] of Object.entries(w['access-points'])) {
      if (ap.password !== undefined) m.set(ssid, wifiPsk(ssid, ap.password));
      else if (ap.psk !== undefined) m.set(ssid, ap.psk.toLowerCase());
    }
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Readers of what the consumers produced.

/** systemd .network files as section lists: [[section, [[key, value], ...]], ...]. */
function parseUnitFile(text: string): Array<[string, Array<[string, string]>]> {
  const out: Array<[string, Array<[string, string]>]> = [];
  for (const line of text.split('\n')) {
    const s = /^\[(.+)\]$/.exec(line.trim());
    if (s) out.push([s[1] ?? '', []]);
    else if (line.includes('=') && !line.startsWith('#')) out[out.length - 1]?.[1].push([line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  }
  return out;
}

interface NetworkdRead {
  name?: string;
  mac?: string;
  dhcp: string;
  addresses: string[];
  dns: string[];
  domains: string[];
  routes: Array<[string, string, number | undefined]>;
}

function readNetworkd(text: string): NetworkdRead {
  const r: NetworkdRead = { dhcp: 'no', addresses: [], dns: [], domains: [], routes: [] };
  for (const [section, kv] of parseUnitFile(text)) {
    const get = (k: string): string[] => kv.filter(([x]) => x === k).map(([, v]) => v);
    if (section === 'Match') {
      r.name = get('Name')[0];
      r.mac = (get('MACAddress')[0] ?? get('PermanentMACAddress')[0])?.toLowerCase();
    } else if (section === 'Network') {
      r.dhcp = get('DHCP')[0] ?? 'no';
      r.addresses.push(...get('Address'));
      r.dns.push(...get('DNS').flatMap((v) => v.split(' ')));
      r.domains.push(...get('Domains').flatMap((v) => v.split(' ')));
    } else if (section === 'Address') {
      r.addresses.push(...get('Address'));
    } else if (section === 'Route') {
      const metric = get('Metric')[0];
      r.routes.push([get('Destination')[0] ?? '', get('Gateway')[0] ?? '', metric === undefined ? undefined : Number(metric)]);
    }
  }
  return r;
}

interface WpaNetwork {
  ssidHex: string;
  scanSsid: boolean;
  keyMgmt: string;
  pskHex: string | undefined;
}

/** Parse a wpa_supplicant.conf with wpa_supplicant itself (-dd -K prints what it read). */
function wpaRead(conf: string): { networks: WpaNetwork[]; text: string; country: string | undefined } {
  const r = shSync('wpa_supplicant', ['-dd', '-K', '-c', conf, '-i', '3osnoif0', '-D', 'nl80211'], { timeoutMs: 20_000 });
  const text = r.text;
  if (/Failed to read or parse configuration|failed to parse|Line \d+: Invalid/i.test(text)) return { networks: [], text, country: undefined };
  const networks: WpaNetwork[] = [];
  const lines = text.split('\n');
  let cur: WpaNetwork | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (/start of a new network block/.test(l)) {
      cur = { ssidHex: '', scanSsid: false, keyMgmt: '', pskHex: undefined };
      networks.push(cur);
      continue;
    }
    if (cur === undefined) continue;
    const hexdump = /^(ssid|PSK) - hexdump(?:_ascii)?\(len=(\d+)\):(.*)$/.exec(l);
    if (hexdump) {
      const len = Number(hexdump[2]);
      let bytes = (hexdump[3] ?? '').trim();
      while (bytes.replace(/\s/g, '').length < len * 2 && i + 1 < lines.length) {
        i++;
        bytes += ` ${(lines[i] ?? '').trim().slice(0, 48)}`;
      }
      const hex = bytes.split(/\s+/).filter((b) => /^[0-9a-f]{2}$/.test(b)).slice(0, len).join('');
      if (hexdump[1] === 'ssid') cur.ssidHex = hex;
      else cur.pskHex = hex;
      continue;
    }
    if (/^scan_ssid=1/.test(l)) cur.scanSsid = true;
    const km = /^key_mgmt: (0x[0-9a-f]+)/.exec(l);
    if (km) cur.keyMgmt = km[1] === '0x2' ? 'WPA-PSK' : km[1] === '0x4' ? 'NONE' : (km[1] ?? '');
  }
  const country = /^country='([A-Z]{2})'/m.exec(text)?.[1];
  return { networks, text, country };
}

function expectWpaMatches(read: ReturnType<typeof wpaRead>, aps: Intent['aps'], psks: Map<string, string>): void {
  expect(read.networks.length, read.text).toBe(aps.length);
  const bySsid = new Map(read.networks.map((n) => [n.ssidHex, n]));
  for (const ap of aps) {
    const n = bySsid.get(Buffer.from(ap.ssid, 'utf8').toString('hex'));
    expect(n, `wpa_supplicant did not read SSID ${JSON.stringify(ap.ssid)}:\n${read.text}`).toBeDefined();
    const psk = psks.get(ap.ssid);
    expect(n?.keyMgmt, ap.ssid).toBe(psk === undefined ? 'NONE' : 'WPA-PSK');
    expect(n?.pskHex, ap.ssid).toBe(psk);
    expect(n?.scanSsid, ap.ssid).toBe(ap.hidden);
  }
}

// ---------------------------------------------------------------------------------------------

describe('consumer versions (for the record)', () => {
  it('are the Debian 12 packages this suite is written against', () => {
    const v = (pkg: string): string => shSyncOk('dpkg-query', ['-W', '-f', '${Version}', pkg]);
    const versions = Object.fromEntries(['cloud-init', 'netplan.io', 'wpasupplicant', 'network-manager', 'libnm0', 'ignition', 'systemd', 'sudo', 'python3-jsonschema', 'tzdata'].map((p) => [p, v(p)]));
    console.log(`first-boot consumers: ${JSON.stringify(versions)}`);
    expect(versions['cloud-init']).toMatch(/^22\.4/);
    expect(versions.ignition).toMatch(/^2\.14/);
  });
});

describe('cloud-init: user-data against cloud-init schema', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const d = caseDir(c, 'cloud-init');
    writeFileSync(join(d, 'user-data'), render(c).cloudInit.userData);
    const r = shSync('cloud-init', ['schema', '--config-file', join(d, 'user-data')]);
    expect(r.text.trim(), r.text).toBe(`Valid cloud-config: ${join(d, 'user-data')}`);
    expect(r.code).toBe(0);
  });

  it('every top-level key is one a cloud-init 22.4 module reads (the schema itself allows unknown keys)', () => {
    const known = new Set(JSON.parse(shSyncOk(PY, ['-c', [
      'import json',
      'from cloudinit.config.schema import get_schema',
      's = get_schema()',
      'keys = set()',
      'for part in s.get("allOf", []):',
      '    ref = part.get("$ref", "").split("/")[-1]',
      '    keys.update(s["$defs"].get(ref, {}).get("properties", {}).keys())',
      'print(json.dumps(sorted(keys)))',
    ].join('\n')])) as string[]);
    expect(known.size).toBeGreaterThan(50);
    for (const c of CASES) {
      const ud = JSON.parse(shSyncOk(PY, ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: render(c).cloudInit.userData })) as Record<string, unknown>;
      for (const k of Object.keys(ud)) expect(known, `${c.name}: ${k}`).toContain(k);
    }
  });

  it('module order in the installed cloud.cfg: a deferred file is written after users-groups, runcmd after that', () => {
    const cfg = JSON.parse(shSyncOk(PY, ['-c', 'import json, yaml; print(json.dumps(yaml.safe_load(open("/etc/cloud/cloud.cfg"))))'])) as Record<string, string[]>;
    const order = [...(cfg.cloud_init_modules ?? []), ...(cfg.cloud_config_modules ?? []), ...(cfg.cloud_final_modules ?? [])].map((m) => m.replace(/_/g, '-'));
    const at = (m: string): number => order.indexOf(m);
    expect(at('write-files')).toBeGreaterThanOrEqual(0);
    expect(at('write-files')).toBeLessThan(at('users-groups'));
    expect(at('users-groups')).toBeLessThan(at('write-files-deferred'));
    expect(at('write-files-deferred')).toBeLessThan(at('scripts-user'));
    // And the user-data puts every file that names an owner, or lives in a home, in the deferred run.
    const c = CASES.find((x) => x.name.startsWith('users'));
    const ud = JSON.parse(shSyncOk(PY, ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: c === undefined ? '' : render(c).cloudInit.userData })) as { write_files: Array<{ path: string; owner?: string; defer?: boolean }> };
    const owned = new Set((c?.config().files as Array<{ path: string; owner?: string }>).filter((f) => f.owner !== undefined || f.path.startsWith('/home/')).map((f) => f.path));
    for (const f of ud.write_files) expect(f.defer === true, f.path).toBe(owned.has(f.path));
  });
});

describe('network: netplan (native path and cloud-init network-config) through netplan generate', () => {
  /** netplan generate on one netplan YAML; the networkd files and wpa confs it wrote. */
  function netplanGenerate(yamlText: string, root: string): { networks: Map<string, NetworkdRead>; wpa: Map<string, string>; all: string[] } {
    mkdirSync(join(root, 'etc/netplan'), { recursive: true });
    writeFileSync(join(root, 'etc/netplan/50-3os.yaml'), yamlText, { mode: 0o600 });
    const r = shSync('netplan', ['generate', '--root-dir', root]);
    expect(r.code, r.text).toBe(0);
    expect(r.text, 'netplan printed warnings or errors').not.toMatch(/error|warning/i);
    const networks = new Map<string, NetworkdRead>();
    const nd = join(root, 'run/systemd/network');
    for (const f of existsSync(nd) ? readdirSync(nd) : []) {
      const m = /^10-netplan-(.+)\.network$/.exec(f);
      if (m) networks.set(m[1] ?? '', readNetworkd(readFileSync(join(nd, f), 'utf8')));
    }
    const wpa = new Map<string, string>();
    const wd = join(root, 'run/netplan');
    for (const f of existsSync(wd) ? readdirSync(wd) : []) {
      const m = /^wpa-(.+)\.conf$/.exec(f);
      if (m) wpa.set(m[1] ?? '', join(wd, f));
    }
    return { networks, wpa, all: readdirSync(root, { recursive: true }).map(String) };
  }

  function expectNetplanMatches(c: Case, got: ReturnType<typeof netplanGenerate>): void {
    const r = render(c);
    const psks = expectedPsks(c.config());
    for (const [id, want] of intents(r.config.network ?? { version: 2 })) {
      const nd = got.networks.get(id);
      expect(nd, `${id}: no networkd file`).toBeDefined();
      if (nd === undefined) continue;
      expect(nd.name).toBe(want.device);
      expect(nd.mac).toBe(want.mac);
      expect(nd.dhcp).toBe(want.dhcp4 && want.dhcp6 ? 'yes' : want.dhcp4 ? 'ipv4' : want.dhcp6 ? 'ipv6' : 'no');
      expect(nd.addresses).toEqual(want.addresses);
      expect(nd.dns).toEqual(want.dns);
      expect(nd.domains).toEqual(want.search);
      const key = (x: readonly unknown[]): string => JSON.stringify(x);
      expect(nd.routes.map(key).sort()).toEqual(want.routes.map(key).sort());
      if (want.aps.length > 0) {
        const conf = got.wpa.get(id);
        expect(conf, `${id}: netplan wrote no wpa_supplicant conf`).toBeDefined();
        expectWpaMatches(wpaRead(conf ?? ''), want.aps, psks);
      }
    }
  }

  it.each(withNetwork().map((c) => [c.name, c] as const))('native netplan file: %s', (_n, c) => {
    const netplan = parseAgentForm(render(c).agentForm).values.get('network.netplan') ?? '';
    expectNetplanMatches(c, netplanGenerate(netplan, caseDir(c, 'netplan-native')));
  });

  it.each(withNetwork().map((c) => [c.name, c] as const))('cloud-init network-config via its netplan renderer: %s', (_n, c) => {
    const d = caseDir(c, 'netplan-cloud-init');
    writeFileSync(join(d, 'network-config'), render(c).cloudInit.networkConfig ?? '');
    const out = join(d, 'out');
    const conv = shSync('cloud-init', ['devel', 'net-convert', '-p', join(d, 'network-config'), '-k', 'yaml', '-D', 'debian', '-O', 'netplan', '-d', out]);
    expect(conv.code, conv.text).toBe(0);
    expect(conv.text).not.toMatch(/WARNING|Traceback/);
    const yamlText = readFileSync(join(out, 'etc/netplan/50-cloud-init.yaml'), 'utf8');
    expectNetplanMatches(c, netplanGenerate(yamlText, join(d, 'root')));
  });

  it('wifi regulatory domain: netplan carries it to the device', () => {
    const c = CASES[0];
    if (c === undefined) throw new Error('no case');
    const root = caseDir(c, 'netplan-regdom');
    netplanGenerate(parseAgentForm(render(c).agentForm).values.get('network.netplan') ?? '', root);
    // netplan 0.106: a oneshot `iw reg set` unit (it needs iw in the image).
    const text = readFileSync(join(root, 'run/systemd/system/netplan-regdom.service'), 'utf8');
    expect(text).toMatch(/^ExecStart=\/usr\/sbin\/iw reg set DE$/m);
  });

  it("cloud-init's own parser reads the network-config for its eni and networkd renderers too (no refusal)", () => {
    for (const c of withNetwork()) {
      for (const renderer of ['eni', 'networkd']) {
        const d = caseDir(c, `cloud-init-${renderer}`);
        writeFileSync(join(d, 'network-config'), render(c).cloudInit.networkConfig ?? '');
        const conv = shSync('cloud-init', ['devel', 'net-convert', '-p', join(d, 'network-config'), '-k', 'yaml', '-D', 'debian', '-O', renderer, '-d', join(d, 'out')]);
        expect(conv.code, `${c.name} (${renderer}): ${conv.text}`).toBe(0);
        expect(conv.text).not.toMatch(/Traceback|not a valid ip address/);
      }
    }
  });

  it("why the image must use cloud-init's netplan renderer: eni/networkd drop Wi-Fi and the interface's match name (cloud-init 22.4)", () => {
    const wifi = CASES[0];
    const statics = CASES[3];
    if (wifi === undefined || statics === undefined) throw new Error('no case');
    const convert = (c: Case): string => {
      const d = caseDir(c, 'cloud-init-networkd-why');
      writeFileSync(join(d, 'network-config'), render(c).cloudInit.networkConfig ?? '');
      const conv = shSync('cloud-init', ['devel', 'net-convert', '-p', join(d, 'network-config'), '-k', 'yaml', '-D', 'debian', '-O', 'networkd', '-d', join(d, 'out')]);
      return conv.text + readdirSync(join(d, 'out'), { recursive: true }).map(String).filter((f) => f.endsWith('.network')).map((f) => readFileSync(join(d, 'out', f), 'utf8')).join('\n');
    };
    expect(convert(wifi)).toMatch(/Wifi configuration is only available to distros with netplan rendering support/);
    expect(convert(statics)).not.toMatch(/Name=enp1s0/);
  });
});

describe('network: wpa_supplicant reads the agent form\'s wpa_supplicant.conf', () => {
  it.each(CASES.filter((c) => render(c).config.network?.wifis !== undefined).map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const r = render(c);
    const conf = parseAgentForm(r.agentForm).values.get('wifi.wpa_supplicant') ?? '';
    const f = join(caseDir(c, 'wpa'), 'wpa_supplicant.conf');
    writeFileSync(f, conf);
    const read = wpaRead(f);
    const aps = [...intents(r.config.network ?? { version: 2 }).values()].flatMap((i) => i.aps);
    expectWpaMatches(read, aps, expectedPsks(c.config()));
    const country = Object.values(r.config.network?.wifis ?? {}).find((w) => w['regulatory-domain'] !== undefined)?.['regulatory-domain'];
    expect(read.country).toBe(country);
  });
});

describe("network: NetworkManager 1.42's keyfile reader (Ignition path)", () => {
  interface NmRead {
    file: string;
    error?: string;
    interface: string | null;
    mac?: string | null;
    ipv4: { method: string; addresses: string[]; gateway: string | null; dns: string[]; search: string[]; routes: Array<[string, string, number]> };
    ipv6: NmRead['ipv4'];
    ssid_hex?: string;
    hidden?: boolean;
    key_mgmt?: string;
    psk?: string;
  }

  it.each(withNetwork().map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const r = render(c);
    const d = caseDir(c, 'nm');
    const files = renderKeyfiles(r.config.network ?? { version: 2 });
    // The Ignition config carries exactly these files.
    const ign = JSON.parse(r.ignition) as { storage: { files: Array<{ path: string; contents: { source: string } }> } };
    for (const k of files) {
      const entry = ign.storage.files.find((f) => f.path === `/etc/NetworkManager/system-connections/${k.name}`);
      expect(Buffer.from((entry?.contents.source ?? '').replace(/^data:;base64,/, ''), 'base64').toString('utf8')).toBe(k.contents);
      writeFileSync(join(d, k.name), k.contents, { mode: 0o600 });
    }
    const read = JSON.parse(shSyncOk(PY, [join(FIXTURES, 'nm-keyfile-read.py'), ...files.map((k) => join(d, k.name))])) as NmRead[];
    for (const x of read) expect(x.error, `${x.file}: NetworkManager refuses it`).toBeUndefined();
    const psks = expectedPsks(c.config());
    for (const [id, want] of intents(r.config.network ?? { version: 2 })) {
      const mine = read.filter((x) => x.file.includes(`/3os-${id}`));
      expect(mine.length).toBe(Math.max(1, want.aps.length));
      for (const x of mine) {
        expect(x.interface).toBe(want.device ?? null);
        if (want.mac !== undefined) expect(x.mac?.toLowerCase()).toBe(want.mac);
        const gateway = (f: 4 | 6): string | undefined => (want.addresses.some((a) => ipFamily(a) === f)
          ? want.routes.find(([to, via, m]) => /\/0$/.test(to) && m === undefined && ipFamily(via) === f)?.[1] : undefined);
        const fam = (f: 4 | 6): { method: string; addresses: string[]; gateway: string | null; dns: string[]; routes: Array<[string, string, number]> } => {
          const addrs = want.addresses.filter((a) => ipFamily(a) === f);
          const dhcp = f === 4 ? want.dhcp4 : want.dhcp6;
          return {
            method: dhcp ? 'auto' : addrs.length > 0 ? 'manual' : f === 4 ? 'disabled' : 'ignore',
            addresses: addrs,
            // A default route without a metric next to static addresses is the section's gateway;
            // otherwise (a metric, or DHCP only) a route to 0.0.0.0/0 or ::/0.
            gateway: gateway(f) ?? null,
            dns: want.dns.filter((a) => ipFamily(a) === f),
            routes: want.routes.filter(([to, via]) => ipFamily(via) === f && !(via === gateway(f) && /\/0$/.test(to))).map(([to, via, m]) => [to, via, m ?? -1]),
          };
        };
        for (const f of [4, 6] as const) {
          const got = x[`ipv${f}`];
          expect({ method: got.method, addresses: got.addresses, gateway: got.gateway, dns: got.dns, routes: got.routes }, `${x.file} ipv${f}`).toEqual(fam(f));
        }
        // NetworkManager merges the search domains of both families: all of them, each once.
        expect([...x.ipv4.search, ...x.ipv6.search]).toEqual(want.search);
      }
      for (const ap of want.aps) {
        const x = mine.find((m) => m.ssid_hex === Buffer.from(ap.ssid, 'utf8').toString('hex'));
        expect(x, `NetworkManager read no connection with SSID ${JSON.stringify(ap.ssid)}: ${JSON.stringify(mine.map((m) => m.ssid_hex))}`).toBeDefined();
        expect(x?.hidden).toBe(ap.hidden);
        const psk = psks.get(ap.ssid);
        expect(x?.key_mgmt ?? null).toBe(psk === undefined ? null : 'wpa-psk');
        expect(x?.psk ?? null).toBe(psk ?? null);
      }
    }
  });
});

describe('Ignition: ignition-validate 2.14 and the published JSON schema of the spec written', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const f = join(caseDir(c, 'ignition'), 'config.ign');
    writeFileSync(f, render(c).ignition);
    const v = shSync('ignition-validate', [f]);
    expect(v.text, 'ignition-validate reported something').toBe('');
    expect(v.code).toBe(0);
    const s = shSync(PY, [join(FIXTURES, 'ignition-schema-check.py'), SCHEMAS, f]);
    expect(s.text).toBe('');
    expect(s.code).toBe(0);
  });

  it('the schema check and ignition-validate do refuse a wrong config (they can fail)', () => {
    const f = join(dir, 'bad.ign');
    writeFileSync(f, JSON.stringify({ ignition: { version: '3.0.0' }, passwd: { users: [{ name: 'x', groupz: ['a'] }] }, storage: { files: [{ path: '/etc/x', mode: '0644' }] } }));
    expect(shSync(PY, [join(FIXTURES, 'ignition-schema-check.py'), SCHEMAS, f]).text).toMatch(/groupz: not defined by the spec[\s\S]*|mode/);
    expect(shSync('ignition-validate', [f]).code).not.toBe(0);
  });
});

/**
 * Ignition's fetch-offline and files stages (the `file` platform) on a scratch root holding a copy
 * of the host's account database, as an image's /sysroot holds its own; the files stage's result.
 */
function ignitionFilesStage(d: string, config: string): { root: string; code: number; text: string } {
  const root = join(d, 'root');
  // Ignition writes a user's keys as that user, who must be able to reach the root (mkdtemp made 0700).
  chmodSync(dir, 0o755);
  mkdirSync(join(root, 'etc/default'), { recursive: true });
  for (const f of ['passwd', 'group', 'shadow', 'gshadow', 'login.defs', 'default/useradd']) cpSync(join('/etc', f), join(root, 'etc', f));
  cpSync('/etc/skel', join(root, 'etc/skel'), { recursive: true });
  writeFileSync(join(d, 'config.ign'), config);
  // Debian builds Ignition with SELinux relabeling on: it reads the root's /etc/selinux/config
  // and runs setfiles over what it wrote. Labels are not what this test judges (the images
  // this targets label on their own terms), so a policy name and a setfiles that only reads
  // the list stand in; every other step is Ignition's own.
  mkdirSync(join(root, 'etc/selinux'), { recursive: true });
  writeFileSync(join(root, 'etc/selinux/config'), 'SELINUXTYPE=none\n');
  mkdirSync(join(d, 'bin'));
  writeFileSync(join(d, 'bin/setfiles'), '#!/bin/sh\ncat >/dev/null\n', { mode: 0o755 });
  const env = { IGNITION_CONFIG_FILE: join(d, 'config.ign'), PATH: `${join(d, 'bin')}:${process.env.PATH ?? ''}` };
  const common = ['-platform', 'file', '-root', root, '-config-cache', join(d, 'cache.json'), '-state-file', join(d, 'state'), '-log-to-stdout'];
  shSyncOk(IGNITION, [...common, '-stage', 'fetch-offline', '-neednet', join(d, 'neednet')], { env, timeoutMs: 60_000 });
  return { root, ...shSync(IGNITION, [...common, '-stage', 'files'], { env, timeoutMs: 60_000 }) };
}

describe('Ignition 2.14 files stage against a scratch root, then the first-boot groups unit', () => {
  const c = CASES.find((x) => x.name.startsWith('users'));
  if (c === undefined) throw new Error('no users case');
  let root = '';
  let r: RenderedConfig;
  const passwd = (): string[][] => readFileSync(join(root, 'etc/passwd'), 'utf8').trim().split('\n').map((l) => l.split(':'));
  const group = (): string[][] => readFileSync(join(root, 'etc/group'), 'utf8').trim().split('\n').map((l) => l.split(':'));
  const uid = (name: string): number => Number(passwd().find((p) => p[0] === name)?.[2] ?? NaN);
  const gid = (name: string): number => Number(group().find((g) => g[0] === name)?.[2] ?? NaN);

  beforeAll(() => {
    r = render(c);
    const run = ignitionFilesStage(caseDir(c, 'ignition-root'), r.ignition);
    root = run.root;
    expect(run.code, run.text).toBe(0);
    expect(run.text).toMatch(/files: files passed/);
  });

  it('created the users with their hash, shell and keys (in authorized_keys.d/ignition)', () => {
    const users = r.config.users ?? [];
    const shadow = readFileSync(join(root, 'etc/shadow'), 'utf8');
    for (const u of users) {
      const p = passwd().find((x) => x[0] === u.name);
      expect(p, u.name).toBeDefined();
      if (u.shell !== undefined) expect(p?.[6]).toBe(u.shell);
      if (u.password_hash !== undefined) expect(shadow).toContain(`${u.name}:${u.password_hash}:`);
      const keyFile = join(root, 'home', u.name, '.ssh/authorized_keys.d/ignition');
      if (u.ssh_authorized_keys?.length) {
        expect(readFileSync(keyFile, 'utf8').trim().split('\n')).toEqual(u.ssh_authorized_keys.map((k) => k.trim()));
        expect(statSync(keyFile).uid).toBe(uid(u.name));
      }
    }
  });

  it('wrote every file with the mode and owner the config says', () => {
    for (const f of r.config.files ?? []) {
      const p = join(root, f.path);
      const st = statSync(p);
      const want = f.contents_base64 !== undefined ? Buffer.from(f.contents_base64, 'base64') : Buffer.from(f.contents ?? '', 'utf8');
      expect(readFileSync(p)).toEqual(want);
      const [u = 'root', g] = (f.owner ?? 'root:root').split(':');
      const wantUid = /^\d+$/.test(u) ? Number(u) : uid(u);
      const wantGid = g === undefined ? Number(passwd().find((x) => x[0] === u)?.[3]) : /^\d+$/.test(g) ? Number(g) : gid(g);
      // A group the unit creates is set by the unit (below); until then the file is root's group.
      const byUnit = g !== undefined && (r.config.users ?? []).some((x) => x.groups?.includes(g));
      expect([st.uid, st.gid], f.path).toEqual([wantUid, byUnit ? 0 : wantGid]);
      // Special bits come from the groups unit (below); Ignition writes the rest.
      expect(st.mode & 0o777, f.path).toBe(Number.parseInt(f.mode, 8) & 0o777);
    }
    expect(readlinkSync(join(root, 'etc/localtime'))).toBe('../usr/share/zoneinfo/Europe/Kyiv');
  });

  it('the groups unit, replayed on the root (groupadd/usermod --root), adds every membership; existing groups are fine', () => {
    const ign = JSON.parse(r.ignition) as { systemd: { units: Array<{ name: string; contents?: string }> } };
    const unit = ign.systemd.units.find((u) => u.name === GROUPS_UNIT)?.contents ?? '';
    const unitPath = join(root, 'etc/systemd/system', GROUPS_UNIT);
    expect(readFileSync(unitPath, 'utf8')).toBe(unit);
    const verify = shSync('systemd-analyze', ['verify', '--man=no', unitPath]);
    expect(verify.text).toBe('');
    expect(verify.code).toBe(0);
    expect(readFileSync(join(root, 'etc/systemd/system-preset/20-ignition.preset'), 'utf8')).toContain(`enable ${GROUPS_UNIT}\n`);
    for (const line of unit.split('\n').filter((l) => l.startsWith('ExecStart='))) {
      const argv = line.slice('ExecStart='.length).split(' ');
      const [cmd = '', ...args] = argv;
      if (cmd === 'groupadd' || cmd === 'usermod') shSyncOk(cmd, ['--root', root, ...args]);
      else if (cmd === 'chmod') shSyncOk('chmod', [args[0] ?? '', join(root, args[1] ?? '')]);
      else if (cmd === 'chgrp') shSyncOk('chgrp', [String(gid(args[0] ?? '')), join(root, args[1] ?? '')]);
      else if (cmd === 'mkdir' || cmd === 'touch') shSyncOk(cmd, [...args.slice(0, -1), join(root, args[args.length - 1] ?? '')]);
      else throw new Error(`unexpected command in the unit: ${line}`);
    }
    for (const u of r.config.users ?? []) {
      for (const g of u.groups ?? []) {
        const members = (group().find((x) => x[0] === g)?.[3] ?? '').split(',');
        expect(members, `${u.name} in ${g}`).toContain(u.name);
      }
    }
    for (const f of r.config.files ?? []) {
      const st = statSync(join(root, f.path));
      expect(st.mode & 0o7777, f.path).toBe(Number.parseInt(f.mode, 8));
      const g = f.owner?.split(':')[1];
      if (g !== undefined && !/^\d+$/.test(g)) expect(st.gid, f.path).toBe(gid(g));
    }
  });

  it("Ignition's own handling of passwd.groups is why the unit exists: an existing group stops the files stage", () => {
    const files = ignitionFilesStage(caseDir(c, 'ignition-groups-why'), JSON.stringify({ ignition: { version: '3.0.0' }, passwd: { groups: [{ name: 'sudo' }] } }));
    expect(files.code).not.toBe(0);
    expect(files.text).toMatch(/groupadd: group 'sudo' already exists/);
  });
});

describe('sudo: visudo -c on the sudo rules', () => {
  it.each(CASES.filter((c) => (render(c).config.users ?? []).some((u) => u.sudo === true)).map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const r = render(c);
    const ign = JSON.parse(r.ignition) as { storage: { files: Array<{ path: string; mode: number; contents: { source: string } }> } };
    const d = caseDir(c, 'sudo');
    const sudoers = ign.storage.files.filter((f) => f.path.startsWith('/etc/sudoers.d/'));
    expect(sudoers.length).toBe((r.config.users ?? []).filter((u) => u.sudo === true).length);
    for (const f of sudoers) {
      const p = join(d, f.path.split('/').pop() ?? 'x');
      writeFileSync(p, Buffer.from(f.contents.source.replace(/^data:;base64,/, ''), 'base64'), { mode: f.mode });
      const v = shSync('visudo', ['-c', '-f', p]);
      expect(v.code, v.text).toBe(0);
      expect(v.text).toMatch(/parsed OK/);
    }
    // cloud-init writes `<name> <sudo>` into /etc/sudoers.d/90-cloud-init-users.
    const ud = JSON.parse(shSyncOk(PY, ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: r.cloudInit.userData })) as { users: Array<{ name: string; sudo?: string }> };
    const lines = ud.users.filter((u) => u.sudo !== undefined).map((u) => `${u.name} ${u.sudo ?? ''}`);
    const p = join(d, '90-cloud-init-users');
    writeFileSync(p, `${lines.join('\n')}\n`, { mode: 0o440 });
    const v = shSync('visudo', ['-c', '-f', p]);
    expect(v.code, v.text).toBe(0);
  });
});

describe('systemd-firstboot writes what Ignition writes (hostname, locale, keymap, time zone)', () => {
  it.each(CASES.filter((c) => render(c).config.timezone !== undefined).map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const r = render(c);
    const cfg: Config = r.config;
    const root = join(caseDir(c, 'firstboot'), 'root');
    const args = [`--root=${root}`, `--hostname=${cfg.hostname ?? ''}`, `--timezone=${cfg.timezone ?? ''}`, `--locale=${cfg.locale ?? ''}`, `--keymap=${cfg.keyboard?.layout ?? ''}`];
    const fb = shSync('systemd-firstboot', args.filter((a) => !a.endsWith('=')));
    expect(fb.code, fb.text).toBe(0);
    const ign = JSON.parse(r.ignition) as { storage: { files: Array<{ path: string; contents: { source: string } }>; links: Array<{ path: string; target: string }> } };
    const ignFile = (p: string): string => Buffer.from((ign.storage.files.find((f) => f.path === p)?.contents.source ?? '').replace(/^data:;base64,/, ''), 'base64').toString('utf8');
    expect(readlinkSync(join(root, 'etc/localtime'))).toBe(ign.storage.links.find((l) => l.path === '/etc/localtime')?.target);
    expect(readFileSync(join(root, 'etc/hostname'), 'utf8')).toBe(ignFile('/etc/hostname'));
    // Debian's systemd-firstboot writes the locale to /etc/default/locale, upstream to /etc/locale.conf.
    const locale = existsSync(join(root, 'etc/locale.conf')) ? join(root, 'etc/locale.conf') : join(root, 'etc/default/locale');
    expect(readFileSync(locale, 'utf8')).toBe(ignFile('/etc/locale.conf'));
    const keymap = readFileSync(join(root, 'etc/vconsole.conf'), 'utf8');
    expect(ignFile('/etc/vconsole.conf').startsWith(keymap)).toBe(true);
  });
});

describe('cloud-init 22.4 first boot in a private namespace: users-groups, write_files, runcmd, timezone', () => {
  const c = CASES.find((x) => x.name.startsWith('users'));
  if (c === undefined) throw new Error('no users case');
  let w = '';
  let r: RenderedConfig;
  let out = '';
  const db = (f: string): string[][] => readFileSync(join(w, 'etc', f), 'utf8').trim().split('\n').map((l) => l.split(':'));

  beforeAll(() => {
    r = render(c);
    w = caseDir(c, 'cloud-init-boot');
    writeFileSync(join(w, 'user-data'), r.cloudInit.userData);
    writeFileSync(join(w, 'meta-data'), r.cloudInit.metaData);
    // The modules this config uses, in the order of the installed /etc/cloud/cloud.cfg (the rest,
    // growpart, mounts, apt, ..., would act on the host and have nothing to do with it).
    const wanted = new Set(['write-files', 'set-hostname', 'users-groups', 'timezone', 'runcmd', 'write-files-deferred', 'scripts-user']);
    const cfg = JSON.parse(shSyncOk(PY, ['-c', 'import json, yaml; print(json.dumps(yaml.safe_load(open("/etc/cloud/cloud.cfg"))))'])) as Record<string, string[]>;
    const stage = (k: string): string => `[${(cfg[k] ?? []).filter((m) => wanted.has(m.replace(/_/g, '-'))).join(', ')}]`;
    writeFileSync(join(w, '99-3os-test.cfg'), [
      'datasource_list: [NoCloud]',
      'network: {config: disabled}',
      `cloud_init_modules: ${stage('cloud_init_modules')}`,
      `cloud_config_modules: ${stage('cloud_config_modules')}`,
      `cloud_final_modules: ${stage('cloud_final_modules')}`,
      '',
    ].join('\n'));
    // A copy of /etc and empty /home, /opt, /var/lib, /var/log, /run bound over the real ones in
    // a private mount, UTS and network namespace: cloud-init runs its stages as on a first boot
    // (NoCloud seed in /var/lib/cloud/seed/nocloud) and what it did stays in the scratch directory.
    const script = `set -eu
W=$1
mount --make-rprivate /
cp -a /etc "$W/etc"
cp "$W/99-3os-test.cfg" "$W/etc/cloud/cloud.cfg.d/"
mkdir -p "$W/home" "$W/opt" "$W/varlib/cloud/seed/nocloud" "$W/varlog"
cp "$W/user-data" "$W/meta-data" "$W/varlib/cloud/seed/nocloud/"
mount --bind "$W/etc" /etc; mount --bind "$W/home" /home; mount --bind "$W/opt" /opt
mount --bind "$W/varlib" /var/lib; mount --bind "$W/varlog" /var/log; mount -t tmpfs tmpfs /run
cloud-init init
cloud-init modules --mode config
cloud-init modules --mode final
`;
    const run = shSync('unshare', ['--mount', '--uts', '--net', '--fork', 'sh', '-c', script, 'sh', w], { timeoutMs: 120_000 });
    out = `${run.text}\n${existsSync(join(w, 'varlog/cloud-init.log')) ? readFileSync(join(w, 'varlog/cloud-init.log'), 'utf8') : ''}`;
    expect(run.code, out).toBe(0);
  }, 150_000);

  it('every module ran without failure', () => {
    const ran = [...out.matchAll(/Ran (\d+) modules with (\d+) failures/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(ran.length).toBe(3);
    for (const [, failures] of ran) expect(failures).toBe(0);
    expect(out).not.toMatch(/Unknown user or group|Traceback/);
  });

  it('created the users with hash, shell, keys and every group', () => {
    const shadow = readFileSync(join(w, 'etc/shadow'), 'utf8');
    for (const u of r.config.users ?? []) {
      const p = db('passwd').find((x) => x[0] === u.name);
      expect(p, u.name).toBeDefined();
      if (u.shell !== undefined) expect(p?.[6]).toBe(u.shell);
      if (u.password_hash !== undefined) expect(shadow).toContain(`${u.name}:${u.password_hash}:`);
      if (u.ssh_authorized_keys?.length) {
        const lines = readFileSync(join(w, 'home', u.name, '.ssh/authorized_keys'), 'utf8').trim().split('\n');
        expect([...lines].sort()).toEqual(u.ssh_authorized_keys.map((k) => k.trim()).sort());
      }
      for (const g of u.groups ?? []) expect((db('group').find((x) => x[0] === g)?.[3] ?? '').split(','), `${u.name} in ${g}`).toContain(u.name);
    }
    const sudoers = join(w, 'etc/sudoers.d/90-cloud-init-users');
    const v = shSync('visudo', ['-c', '-f', sudoers]);
    expect(v.code, v.text).toBe(0);
  });

  it('wrote every file with the contents, mode and owner the config says', () => {
    const uid = (n: string): number => (/^\d+$/.test(n) ? Number(n) : Number(db('passwd').find((x) => x[0] === n)?.[2]));
    const gid = (n: string): number => (/^\d+$/.test(n) ? Number(n) : Number(db('group').find((x) => x[0] === n)?.[2]));
    const real = (p: string): string => join(w, p.startsWith('/var/lib/') ? `varlib/${p.slice('/var/lib/'.length)}` : p.slice(1));
    for (const f of r.config.files ?? []) {
      const st = statSync(real(f.path));
      const want = f.contents_base64 !== undefined ? Buffer.from(f.contents_base64, 'base64') : Buffer.from(f.contents ?? '', 'utf8');
      expect(readFileSync(real(f.path)), f.path).toEqual(want);
      expect((st.mode & 0o7777).toString(8), f.path).toBe(Number.parseInt(f.mode, 8).toString(8));
      const [u = 'root', g] = (f.owner ?? 'root:root').split(':');
      const wantGid = g === undefined ? Number(db('passwd').find((x) => x[0] === u)?.[3]) : gid(g);
      expect([st.uid, st.gid], f.path).toEqual([uid(u), wantGid]);
    }
  });

  it('set the time zone to the stored (canonical) name', () => {
    expect(readFileSync(join(w, 'etc/timezone'), 'utf8').trim()).toBe(r.config.timezone);
    expect(r.config.timezone).toBe('Europe/Kyiv');
  });
});
