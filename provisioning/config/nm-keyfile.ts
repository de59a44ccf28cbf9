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

function ipSections(i: Iface): string[] {
  const v4 = (i.addresses ?? []).filter((a) => ipFamily(a) === 4);
  const v6 = (i.addresses ?? []).filter((a) => ipFamily(a) === 6);
  const dns4 = (i.nameservers?.addresses ?? []).filter((a) => ipFamily(a) === 4);
  const dns6 = (i.nameservers?.addresses ?? []).filter((a) => ipFamily(a) === 6);
  const search = i.nameservers?.search ?? [];
  const routes = (i.routes ?? []).filter((r) => r.to !== 'default' && r.to !== '0.0.0.0/0' && r.to !== '::/0');
  const gw4 = i.gateway4 ?? (i.routes ?? []).find((r) => (r.to === 'default' || r.to === '0.0.0.0/0') && ipFamily(r.via) === 4)?.via;
  const gw6 = (i.routes ?? []).find((r) => (r.to === 'default' || r.to === '::/0') && ipFamily(r.via) === 6)?.via;
  const section = (fam: 4 | 6, dhcp: boolean | undefined, addrs: string[], dns: string[], gw: string | undefined): string[] => {
    const out = [`[ipv${fam}]`, `method=${dhcp === true ? 'auto' : addrs.length > 0 ? 'manual' : fam === 4 ? 'disabled' : 'ignore'}`];
    addrs.forEach((a, n) => out.push(`address${n + 1}=${a}${n === 0 && gw !== undefined ? `,${gw}` : ''}`));
    if (dns.length) out.push(`dns=${dns.join(';')};`);
    if (search.length) out.push(`dns-search=${search.join(';')};`);
    routes.filter((r) => ipFamily(r.to) === fam).forEach((r, n) => out.push(`route${n + 1}=${r.to},${r.via}${r.metric === undefined ? '' : `,${r.metric}`}`));
    return out;
  };
  return [...section(4, i.dhcp4, v4, dns4, gw4), '', ...section(6, i.dhcp6, v6, dns6, gw6)];
}

function connection(id: string, ifaceId: string, type: string, i: Iface): string[] {
  const name = i.match?.name;
  const out = ['[connection]', `id=${id}`, `type=${type}`];
  if (name === undefined && i.match?.macaddress === undefined) out.push(`interface-name=${ifaceId}`);
  else if (name !== undefined && !/[*?[]/.test(name)) out.push(`interface-name=${name}`);
  return out;
}

/** keyfile ssid: plain when simple, else the byte list form NM also reads. */
function keyfileSsid(ssid: string): string {
  return /^[A-Za-z0-9 _.-]+$/.test(ssid) ? ssid : `${[...Buffer.from(ssid, 'utf8')].join(';')};`;
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
