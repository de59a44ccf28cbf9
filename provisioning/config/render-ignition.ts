/**
 * An Ignition config (spec 3.4.0) from a stored config, for images whose first boot runs
 * Ignition (Fedora CoreOS style). Users map to passwd.users; hostname, locale, keyboard, sudo
 * rules, sshd settings, NetworkManager keyfiles and files[] map to storage.files; the time zone
 * to a /etc/localtime link. Not expressed (the 3os agent applies them from 3os/config.yaml):
 * storage, containers, update, serial_provisioning.
 */
import { renderKeyfiles } from './nm-keyfile.js';
import { wifiCountry } from './render-network.js';
import type { Config } from './schema.js';
import { sudoRule } from './render-cloud-init.js';

export const IGNITION_VERSION = '3.4.0';

interface IgnNode {
  readonly name?: string;
  readonly id?: number;
}

interface IgnFile {
  path: string;
  overwrite: boolean;
  mode: number;
  user?: IgnNode;
  group?: IgnNode;
  contents: { source: string };
}

function dataUrl(bytes: Buffer): string {
  return `data:;base64,${bytes.toString('base64')}`;
}

function node(s: string): IgnNode {
  return /^\d+$/.test(s) ? { id: Number(s) } : { name: s };
}

export function renderIgnition(c: Config): Record<string, unknown> {
  const files: IgnFile[] = [];
  const text = (path: string, mode: number, body: string): void => {
    files.push({ path, overwrite: true, mode, contents: { source: dataUrl(Buffer.from(body, 'utf8')) } });
  };
  if (c.hostname !== undefined) text('/etc/hostname', 0o644, `${c.hostname}\n`);
  if (c.locale !== undefined) text('/etc/locale.conf', 0o644, `LANG=${c.locale}\n`);
  if (c.keyboard) {
    const v = c.keyboard.variant === undefined ? '' : `XKBVARIANT=${c.keyboard.variant}\n`;
    text('/etc/vconsole.conf', 0o644, `KEYMAP=${c.keyboard.layout}\nXKBLAYOUT=${c.keyboard.layout}\n${v}`);
  }
  for (const u of c.users ?? []) {
    if (u.sudo === true) text(`/etc/sudoers.d/3os-${u.name}`, 0o440, `${u.name} ${sudoRule(u)}\n`);
  }
  if (c.ssh?.password_authentication !== undefined) {
    text('/etc/ssh/sshd_config.d/40-3os.conf', 0o644, `PasswordAuthentication ${c.ssh.password_authentication ? 'yes' : 'no'}\n`);
  }
  if (c.network) {
    for (const k of renderKeyfiles(c.network)) text(`/etc/NetworkManager/system-connections/${k.name}`, 0o600, k.contents);
    const country = wifiCountry(c.network);
    if (country !== undefined) text('/etc/modprobe.d/3os-regdom.conf', 0o644, `options cfg80211 ieee80211_regdom=${country}\n`);
  }
  for (const f of c.files ?? []) {
    const bytes = f.contents_base64 !== undefined ? Buffer.from(f.contents_base64, 'base64') : Buffer.from(f.contents ?? '', 'utf8');
    const entry: IgnFile = { path: f.path, overwrite: true, mode: Number.parseInt(f.mode, 8), contents: { source: dataUrl(bytes) } };
    if (f.owner !== undefined) {
      const [user = '', group] = f.owner.split(':');
      entry.user = node(user);
      if (group !== undefined) entry.group = node(group);
    }
    files.push(entry);
  }

  const users = (c.users ?? []).map((u) => ({
    name: u.name,
    ...(u.password_hash !== undefined ? { passwordHash: u.password_hash } : {}),
    ...(u.ssh_authorized_keys?.length ? { sshAuthorizedKeys: u.ssh_authorized_keys.map((k) => k.trim()) } : {}),
    ...(u.groups?.length ? { groups: u.groups } : {}),
    ...(u.shell !== undefined ? { shell: u.shell } : {}),
  }));

  const out: Record<string, unknown> = { ignition: { version: IGNITION_VERSION } };
  if (users.length > 0) out.passwd = { users };
  const storage: Record<string, unknown> = {};
  if (files.length > 0) storage.files = files;
  if (c.timezone !== undefined) {
    storage.links = [{ path: '/etc/localtime', target: `../usr/share/zoneinfo/${c.timezone}`, hard: false, overwrite: true }];
  }
  if (Object.keys(storage).length > 0) out.storage = storage;
  if (c.ssh?.enabled !== undefined) out.systemd = { units: [{ name: 'sshd.service', enabled: c.ssh.enabled }] };
  return out;
}
