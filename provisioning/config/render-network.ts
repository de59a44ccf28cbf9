/**
 * The network part of a stored config, rendered for the device: the netplan v2 file
 * (/etc/netplan/50-3os.yaml), a wpa_supplicant.conf with hex PSKs, and a flat per-interface
 * list for a busybox `ip` based agent. PSKs are the derived 64-hex keys, never passphrases.
 */
import { stringify } from 'yaml';
import type { ConfigNetwork } from './schema.js';
import { ipFamily } from './validators.js';

type Ethernet = NonNullable<ConfigNetwork['ethernets']>[string];
type Wifi = NonNullable<ConfigNetwork['wifis']>[string];

/** One interface in the simple form. */
export interface SimpleInterface {
  readonly type: 'ethernet' | 'wifi';
  readonly iface: string;
  readonly macaddress: string | undefined;
  readonly dhcp4: boolean;
  readonly dhcp6: boolean;
  readonly addresses: readonly string[];
  readonly gateway4: string | undefined;
  readonly dns: readonly string[];
  readonly routes: readonly string[];
}

/**
 * netplan with gateway4 turned into a default route (gateway4 is deprecated in netplan), and
 * `to: default` spelt as the family's 0.0.0.0/0 or ::/0: cloud-init's own network parser (which
 * reads network-config for every renderer) refuses "default" as "not a valid ip address".
 */
function netplanInterface(i: Ethernet | Wifi): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(i)) {
    if (k === 'gateway4' || k === 'routes') continue;
    if (k === 'access-points' && typeof v === 'object' && v !== null) {
      const aps: Record<string, unknown> = {};
      for (const [ssid, ap] of Object.entries(v as Wifi['access-points'])) {
        // netplan takes a 64-hex-digit value in `password` as the raw PSK.
        aps[ssid] = { ...(ap.psk !== undefined ? { password: ap.psk } : {}), ...(ap.hidden !== undefined ? { hidden: ap.hidden } : {}) };
      }
      out[k] = aps;
      continue;
    }
    out[k] = v;
  }
  const routes: Array<Record<string, unknown>> = (i.routes ?? []).map((r) =>
    (r.to === 'default' ? { ...r, to: ipFamily(r.via) === 6 ? '::/0' : '0.0.0.0/0' } : r));
  if (i.gateway4 !== undefined) routes.unshift({ to: '0.0.0.0/0', via: i.gateway4 });
  if (routes.length > 0) out.routes = routes;
  return out;
}

/** The full netplan v2 YAML text, quoted for YAML 1.1 readers (libyaml). */
export function renderNetplan(net: ConfigNetwork): string {
  const network: Record<string, unknown> = { version: 2 };
  for (const kind of ['ethernets', 'wifis'] as const) {
    const m = net[kind];
    if (m === undefined) continue;
    network[kind] = Object.fromEntries(Object.entries(m).map(([name, i]) => [name, netplanInterface(i)]));
  }
  return `# Written by 3os Flasher from 3os/config.yaml\n${stringify({ network }, { version: '1.1', lineWidth: 0 })}`;
}

/** wpa_supplicant's ssid= value: quoted when plain printable ASCII, else hex. */
export function wpaSsid(ssid: string): string {
  return /^[\x20-\x7e]+$/.test(ssid) && !/["\\]/.test(ssid) ? `"${ssid}"` : Buffer.from(ssid, 'utf8').toString('hex');
}

/** wpa_supplicant.conf for all wifis (country, one network block per access point). */
export function renderWpaSupplicant(net: ConfigNetwork, country: string | undefined): string | undefined {
  const wifis = Object.values(net.wifis ?? {});
  if (wifis.length === 0) return undefined;
  const lines = ['# Written by 3os Flasher from 3os/config.yaml', 'ctrl_interface=DIR=/run/wpa_supplicant', 'update_config=0'];
  if (country !== undefined) lines.push(`country=${country}`);
  for (const w of wifis) {
    for (const [ssid, ap] of Object.entries(w['access-points'])) {
      lines.push('', 'network={', `\tssid=${wpaSsid(ssid)}`);
      if (ap.hidden === true) lines.push('\tscan_ssid=1');
      if (ap.psk !== undefined) lines.push('\tkey_mgmt=WPA-PSK', `\tpsk=${ap.psk.toLowerCase()}`);
      else lines.push('\tkey_mgmt=NONE');
      lines.push('}');
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The regulatory domain of the wifis (the cross-checks make sure there is at most one). */
export function wifiCountry(net: ConfigNetwork): string | undefined {
  return Object.values(net.wifis ?? {}).map((w) => w['regulatory-domain']).find((d) => d !== undefined);
}

/** The flat per-interface form. The device name is match.name when it is not a glob, else the id. */
export function simpleInterfaces(net: ConfigNetwork): SimpleInterface[] {
  const out: SimpleInterface[] = [];
  const add = (type: SimpleInterface['type'], id: string, i: Ethernet | Wifi): void => {
    const matchName = i.match?.name;
    const routes = (i.routes ?? []).map((r) => `${r.to} ${r.via}${r.metric === undefined ? '' : ` ${r.metric}`}`);
    const defaultV4 = (i.routes ?? []).find((r) => (r.to === 'default' || r.to === '0.0.0.0/0') && ipFamily(r.via) === 4)?.via;
    out.push({
      type,
      iface: matchName !== undefined && !/[*?[]/.test(matchName) ? matchName : id,
      macaddress: i.match?.macaddress,
      dhcp4: i.dhcp4 === true,
      dhcp6: i.dhcp6 === true,
      addresses: i.addresses ?? [],
      gateway4: i.gateway4 ?? defaultV4,
      dns: i.nameservers?.addresses ?? [],
      routes,
    });
  };
  for (const [id, i] of Object.entries(net.ethernets ?? {})) add('ethernet', id, i);
  for (const [id, i] of Object.entries(net.wifis ?? {})) add('wifi', id, i);
  return out;
}
