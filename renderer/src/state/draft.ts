/**
 * The settings form as plain fields (what a person types), and the pure mapping to a 3os
 * config (schema v1) and back from a config's problem paths to the field that shows them.
 * The config is validated by the backend with the real schema; this file only shapes data.
 */
export interface ContainerRow {
  readonly name: string;
  readonly image: string;
  /** "8080:80, 443:443" */
  readonly ports: string;
}

export interface VolumeRow {
  readonly name: string;
  readonly size: string;
  readonly mountpoint: string;
}

export interface ConfigDraft {
  readonly hostname: string;
  readonly username: string;
  readonly password: string;
  /** A hash loaded from a preset (kept unless a new password is typed). */
  readonly passwordHash: string;
  readonly sshKeys: string;
  readonly sudo: boolean;
  readonly sshEnabled: boolean;
  readonly sshPasswordAuth: boolean;
  readonly wifiSsid: string;
  readonly wifiPassword: string;
  readonly wifiCountry: string;
  readonly wifiPsk: string;
  readonly network: 'dhcp' | 'static';
  readonly ethAddress: string;
  readonly ethGateway: string;
  readonly ethDns: string;
  readonly timezone: string;
  readonly locale: string;
  readonly keyboard: string;
  readonly containers: readonly ContainerRow[];
  readonly volumes: readonly VolumeRow[];
}

export const emptyDraft: ConfigDraft = {
  hostname: '',
  username: '',
  password: '',
  passwordHash: '',
  sshKeys: '',
  sudo: true,
  sshEnabled: true,
  sshPasswordAuth: false,
  wifiSsid: '',
  wifiPassword: '',
  wifiCountry: '',
  wifiPsk: '',
  network: 'dhcp',
  ethAddress: '',
  ethGateway: '',
  ethDns: '',
  timezone: '',
  locale: '',
  keyboard: '',
  containers: [],
  volumes: [],
};

export type DraftField = Exclude<keyof ConfigDraft, 'containers' | 'volumes'>;

const list = (s: string, sep: RegExp): string[] =>
  s
    .split(sep)
    .map((x) => x.trim())
    .filter((x) => x !== '');

type Json = Record<string, unknown>;

function user(d: ConfigDraft): Json | undefined {
  if (d.username.trim() === '') return undefined;
  const u: Json = { name: d.username.trim(), sudo: d.sudo };
  if (d.password !== '') u.password = d.password;
  else if (d.passwordHash !== '') u.password_hash = d.passwordHash;
  const keys = list(d.sshKeys, /\r?\n/);
  if (keys.length > 0) u.ssh_authorized_keys = keys;
  return u;
}

function network(d: ConfigDraft): Json | undefined {
  const net: Json = { version: 2 };
  if (d.network === 'static') {
    const eth: Json = { match: { name: 'e*' }, dhcp4: false, addresses: list(d.ethAddress, /[\s,]+/) };
    if (d.ethGateway.trim() !== '') eth.gateway4 = d.ethGateway.trim();
    const dns = list(d.ethDns, /[\s,]+/);
    if (dns.length > 0) eth.nameservers = { addresses: dns };
    net.ethernets = { eth0: eth };
  }
  if (d.wifiSsid.trim() !== '') {
    const ap: Json = {};
    if (d.wifiPassword !== '') ap.password = d.wifiPassword;
    else if (d.wifiPsk !== '') ap.psk = d.wifiPsk;
    const wifi: Json = { dhcp4: true, 'access-points': { [d.wifiSsid.trim()]: ap } };
    if (d.wifiCountry.trim() !== '') wifi['regulatory-domain'] = d.wifiCountry.trim().toUpperCase();
    net.wifis = { wlan0: wifi };
  }
  return Object.keys(net).length > 1 ? net : undefined;
}

/** The config (input form: clear secrets are hashed by the backend) for the form's fields. */
export function draftToConfig(d: ConfigDraft): Json {
  const c: Json = { version: 1 };
  if (d.hostname.trim() !== '') c.hostname = d.hostname.trim();
  const u = user(d);
  if (u !== undefined) c.users = [u];
  c.ssh = { enabled: d.sshEnabled, password_authentication: d.sshPasswordAuth };
  const n = network(d);
  if (n !== undefined) c.network = n;
  if (d.timezone.trim() !== '') c.timezone = d.timezone.trim();
  if (d.locale.trim() !== '') c.locale = d.locale.trim();
  if (d.keyboard.trim() !== '') c.keyboard = { layout: d.keyboard.trim() };
  const containers = d.containers.filter((r) => r.name.trim() !== '' || r.image.trim() !== '');
  if (containers.length > 0) {
    c.containers = containers.map((r) => {
      const ports = list(r.ports, /[\s,]+/);
      return ports.length > 0 ? { name: r.name.trim(), image: r.image.trim(), ports } : { name: r.name.trim(), image: r.image.trim() };
    });
  }
  const vols = d.volumes.filter((v) => v.name.trim() !== '' || v.size.trim() !== '');
  if (vols.length > 0) {
    c.storage = {
      volumes: vols.map((v) => (v.mountpoint.trim() === '' ? { name: v.name.trim(), size: v.size.trim() } : { name: v.name.trim(), size: v.size.trim(), mountpoint: v.mountpoint.trim() })),
    };
  }
  return c;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);

/** Fill the form from a stored config (a preset). Fields the form has no place for are dropped. */
export function configToDraft(c: Json): ConfigDraft {
  const u = obj(arr(c.users)[0]);
  const ssh = obj(c.ssh);
  const net = obj(c.network);
  const eth = obj(Object.values(obj(net.ethernets))[0]);
  const wifi = obj(Object.values(obj(net.wifis))[0]);
  const [ssid, ap] = Object.entries(obj(wifi['access-points']))[0] ?? ['', {}];
  return {
    ...emptyDraft,
    hostname: str(c.hostname),
    username: str(u.name),
    passwordHash: str(u.password_hash),
    sshKeys: arr(u.ssh_authorized_keys).map(str).join('\n'),
    sudo: u.sudo !== false,
    sshEnabled: ssh.enabled !== false,
    sshPasswordAuth: ssh.password_authentication === true,
    wifiSsid: ssid,
    wifiPsk: str(obj(ap).psk),
    wifiCountry: str(wifi['regulatory-domain']),
    network: eth.dhcp4 === false ? 'static' : 'dhcp',
    ethAddress: arr(eth.addresses).map(str).join(', '),
    ethGateway: str(eth.gateway4),
    ethDns: arr(obj(eth.nameservers).addresses).map(str).join(', '),
    timezone: str(c.timezone),
    locale: str(c.locale),
    keyboard: str(obj(c.keyboard).layout),
    containers: arr(c.containers).map((x) => {
      const r = obj(x);
      return { name: str(r.name), image: str(r.image), ports: arr(r.ports).map(str).join(', ') };
    }),
    volumes: arr(obj(c.storage).volumes).map((x) => {
      const v = obj(x);
      return { name: str(v.name), size: str(v.size), mountpoint: str(v.mountpoint) };
    }),
  };
}

/** The form field that shows a problem at `path` ("general" when none does). */
export function fieldOf(path: readonly (string | number)[]): string {
  const [a, b, c, d, , f] = path;
  switch (a) {
    case 'hostname':
    case 'timezone':
    case 'locale':
      return a;
    case 'keyboard':
      return 'keyboard';
    case 'users':
      if (c === 'name') return 'username';
      if (c === 'password' || c === 'password_hash') return 'password';
      if (c === 'ssh_authorized_keys') return 'sshKeys';
      return 'username';
    case 'ssh':
      return b === 'password_authentication' ? 'sshPasswordAuth' : 'sshEnabled';
    case 'network':
      if (b === 'wifis') {
        if (d === 'regulatory-domain') return 'wifiCountry';
        if (d === 'access-points') return f === 'password' || f === 'psk' ? 'wifiPassword' : 'wifiSsid';
        return 'wifiSsid';
      }
      if (b === 'ethernets') {
        if (d === 'gateway4') return 'ethGateway';
        if (d === 'nameservers') return 'ethDns';
        return 'ethAddress';
      }
      return 'general';
    case 'containers':
      return typeof b === 'number' ? `containers.${b}.${typeof c === 'string' && (c === 'image' || c === 'ports') ? c : 'name'}` : 'general';
    case 'storage':
      return typeof c === 'number' ? `volumes.${c}.${typeof d === 'string' && (d === 'size' || d === 'mountpoint') ? d : 'name'}` : 'general';
    default:
      return 'general';
  }
}
