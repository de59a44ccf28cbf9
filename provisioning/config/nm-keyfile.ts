/**
 * NetworkManager keyfiles (`*.nmconnection`) from the netplan subset, for images configured
 * by Ignition (Fedora-based flavors use NetworkManager, not netplan).
 */
import type { ConfigNetwork } from './schema.js';
import { ipFamily } from './validators.js';

type Iface = NonNullable<ConfigNetwork['ethernets']>[string];

export interface Keyfile {
  readonly name: string;
  readonly contents: string;
}

/**
 * The [ipv4] and [ipv6] sections. NetworkManager refuses a whole connection when a section whose
 * method is disabled/ignore carries DNS, search domains or routes, so each goes only where its
 * family is configured (the cross-checks refuse a nameserver or gateway of an unconfigured family);
 * the search domains, which NetworkManager merges across both, go to the first configured family.
 */
function ipSections(i: Iface): string[] {
  const search = i.nameservers?.search ?? [];
  const isDefault = (to: string): boolean => to === 'default' || to === '0.0.0.0/0' || to === '::/0';
  const family = (fam: 4 | 6): { dhcp: boolean; addrs: string[]; dns: string[]; gw: string | undefined; routes: NonNullable<Iface['routes']> } => {
    // A default route (gateway4 first) is the section's gateway, unless it has a metric (the
    // gateway has none): then it stays a route to 0.0.0.0/0 or ::/0.
    const routes = (i.routes ?? []).filter((r) => ipFamily(r.via) === fam)
      .map((r) => (r.to === 'default' ? { ...r, to: fam === 4 ? '0.0.0.0/0' : '::/0' } : r));
    // NetworkManager takes a gateway only next to static addresses ("gateway cannot be set if
    // there are no addresses configured"); with DHCP alone the default route is a route.
    const addrs = (i.addresses ?? []).filter((a) => ipFamily(a) === fam);
    if (fam === 4 && i.gateway4 !== undefined) routes.unshift({ to: '0.0.0.0/0', via: i.gateway4 });
    const gwRoute = addrs.length > 0 ? routes.find((r) => isDefault(r.to) && r.metric === undefined) : undefined;
    return {
      dhcp: (fam === 4 ? i.dhcp4 : i.dhcp6) === true,
      addrs,
      dns: (i.nameservers?.addresses ?? []).filter((a) => ipFamily(a) === fam),
      gw: gwRoute?.via,
      routes: routes.filter((r) => r !== gwRoute),
    };
  };
  const v4 = family(4);
  const v6 = family(6);
  const on = (f: typeof v4): boolean => f.dhcp || f.addrs.length > 0;
  const searchIn: 4 | 6 = on(v4) || !on(v6) ? 4 : 6;
  const section = (fam: 4 | 6, f: typeof v4): string[] => {
    const out = [`[ipv${fam}]`, `method=${f.dhcp ? 'auto' : f.addrs.length > 0 ? 'manual' : fam === 4 ? 'disabled' : 'ignore'}`];
    if (!on(f)) return out;
    f.addrs.forEach((a, n) => out.push(`address${n + 1}=${a}`));
    if (f.gw !== undefined) out.push(`gateway=${f.gw}`);
    if (f.dns.length) out.push(`dns=${f.dns.join(';')};`);
    if (search.length && searchIn === fam) out.push(`dns-search=${search.join(';')};`);
    f.routes.forEach((r, n) => out.push(`route${n + 1}=${r.to},${r.via}${r.metric === undefined ? '' : `,${r.metric}`}`));
    return out;
  };
  return [...section(4, v4), '', ...section(6, v6)];
}

function connection(id: string, ifaceId: string, type: string, i: Iface): string[] {
  const name = i.match?.name;
  const out = ['[connection]', `id=${id}`, `type=${type}`];
  if (name === undefined && i.match?.macaddress === undefined) out.push(`interface-name=${ifaceId}`);
  else if (name !== undefined && !/[*?[]/.test(name)) out.push(`interface-name=${name}`);
  return out;
}

/**
 * keyfile ssid: plain text only when GKeyFile keeps it exactly (it drops leading blanks; trailing
 * ones are kept to the byte list too, to be safe) and NetworkManager cannot take it for a byte
 * list (no ";"); else the byte list form
 * `ssid=72;111;109;101;` that NetworkManager's keyfile reader also reads (nm-keyfile get_bytes).
 */
function keyfileSsid(ssid: string): string {
  return /^[A-Za-z0-9_.-]([A-Za-z0-9 _.-]*[A-Za-z0-9_.-])?$/.test(ssid) ? ssid : `${[...Buffer.from(ssid, 'utf8')].join(';')};`;
}

export function renderKeyfiles(net: ConfigNetwork): Keyfile[] {
  const files: Keyfile[] = [];
  for (const [id, i] of Object.entries(net.ethernets ?? {})) {
    const lines = [...connection(id, id, 'ethernet', i), ''];
    if (i.match?.macaddress !== undefined) lines.push('[ethernet]', `mac-address=${i.match.macaddress.toUpperCase()}`, '');
    lines.push(...ipSections(i));
    files.push({ name: `3os-${id}.nmconnection`, contents: `${lines.join('\n')}\n` });
  }
  for (const [id, w] of Object.entries(net.wifis ?? {})) {
    Object.entries(w['access-points']).forEach(([ssid, ap], n) => {
      const lines = [...connection(`${id}-${n}`, id, 'wifi', w), ''];
      lines.push('[wifi]', 'mode=infrastructure', `ssid=${keyfileSsid(ssid)}`);
      if (w.match?.macaddress !== undefined) lines.push(`mac-address=${w.match.macaddress.toUpperCase()}`);
      if (ap.hidden === true) lines.push('hidden=true');
      lines.push('');
      if (ap.psk !== undefined) lines.push('[wifi-security]', 'key-mgmt=wpa-psk', `psk=${ap.psk.toLowerCase()}`, '');
      lines.push(...ipSections(w));
      files.push({ name: `3os-${id}-${n}.nmconnection`, contents: `${lines.join('\n')}\n` });
    });
  }
  return files;
}
