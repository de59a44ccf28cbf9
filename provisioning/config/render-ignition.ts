/**
 * An Ignition config from a stored config, for images whose first boot runs Ignition (Fedora
 * CoreOS style). Users map to passwd.users; hostname, locale, keyboard, sudo rules, sshd
 * settings, NetworkManager keyfiles and files[] map to storage.files; the time zone to a
 * /etc/localtime link. What no Ignition release before 2.25 can do safely, supplementary groups
 * that may or may not exist in the image and setuid/setgid/sticky modes, a first-boot unit does
 * (GROUPS_UNIT). Not expressed (the 3os agent applies them from 3os/config.yaml): storage,
 * containers, update, serial_provisioning.
 */
import { renderKeyfiles } from './nm-keyfile.js';
import { wifiCountry } from './render-network.js';
import type { Config } from './schema.js';
import { sudoRule } from './render-cloud-init.js';

/**
 * The spec version written: the lowest that carries every field this renderer uses. All of them
 * (passwd.users name/passwordHash/sshAuthorizedKeys/shell, storage.files with data: URLs, user,
 * group, mode and overwrite, storage.links, systemd.units with contents/enabled) exist since
 * 3.0.0, which every Ignition 2.x release reads; 3.4.0 is refused by Ignition before 2.15
 * (Debian 12 ships 2.14). Setuid/setgid/sticky bits would need 3.6.0-experimental (Ignition
 * warns and drops them in 3.0.0-3.5.0), so GROUPS_UNIT sets them instead.
 */
export const IGNITION_VERSION = '3.0.0';

/** The unit that adds supplementary groups and special mode bits on the first boot. */
export const GROUPS_UNIT = '3os-first-boot-groups.service';
const GROUPS_DONE = '/var/lib/3os/first-boot-groups.done';

/** One argument of a unit's command line, quoted for systemd (specifiers and variables escaped). */
function unitArg(s: string): string {
  const e = s.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_./:,+=@-]+$/.test(e) ? e : `"${e.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** What the unit does to files after the groups exist: [group, path] and [mode, path]. */
interface Later {
  readonly chgrp: Array<readonly [string, string]>;
  readonly chmod: Array<readonly [string, string]>;
}

/** The supplementary groups of the config's users (the unit makes sure they exist). */
function userGroups(c: Config): Set<string> {
  return new Set((c.users ?? []).flatMap((u) => u.groups ?? []));
}

/**
 * The oneshot unit: `groupadd -f` each group a user is put in (it may or may not exist in the
 * image: Ignition before 2.25 fails the first boot on `groupadd` of an existing group, and
 * useradd fails on a missing one), `usermod -a -G` each user, then the group of each file owned
 * by one of those groups (Ignition's files stage cannot resolve a group that does not exist yet)
 * and special mode bits.
 * It runs once, before logins and sshd.
 */
function groupsUnit(c: Config, later: Later): string | undefined {
  const lines: string[] = [];
  for (const g of userGroups(c)) lines.push(`ExecStart=groupadd -f ${unitArg(g)}`);
  for (const u of c.users ?? []) if (u.groups?.length) lines.push(`ExecStart=usermod -a -G ${unitArg(u.groups.join(','))} ${unitArg(u.name)}`);
  // chgrp before chmod: changing a file's group clears its setuid/setgid bits.
  for (const [group, path] of later.chgrp) lines.push(`ExecStart=chgrp ${unitArg(group)} ${unitArg(path)}`);
  for (const [mode, path] of later.chmod) lines.push(`ExecStart=chmod ${mode} ${unitArg(path)}`);
  if (lines.length === 0) return undefined;
  return [
    '[Unit]',
    'Description=3os first boot: supplementary groups, their files and special file modes from the config',
    'After=local-fs.target',
    'Before=systemd-user-sessions.service sshd.service ssh.service',
    `ConditionPathExists=!${GROUPS_DONE}`,
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    ...lines,
    `ExecStart=mkdir -p ${GROUPS_DONE.slice(0, GROUPS_DONE.lastIndexOf('/'))}`,
    `ExecStart=touch ${GROUPS_DONE}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

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
  const configUsers = new Set((c.users ?? []).map((u) => u.name));
  const laterGroups = userGroups(c);
  const later: Later = { chgrp: [], chmod: [] };
  for (const f of c.files ?? []) {
    const bytes = f.contents_base64 !== undefined ? Buffer.from(f.contents_base64, 'base64') : Buffer.from(f.contents ?? '', 'utf8');
    const mode = Number.parseInt(f.mode, 8);
    const entry: IgnFile = { path: f.path, overwrite: true, mode: mode & 0o777, contents: { source: dataUrl(bytes) } };
    if (f.owner !== undefined) {
      const [user = '', group] = f.owner.split(':');
      entry.user = node(user);
      // A bare user of this config means its own primary group (useradd's user group), as for
      // `chown user:`; Ignition would otherwise leave the group root.
      if (group !== undefined && laterGroups.has(group)) later.chgrp.push([group, f.path]);
      else if (group !== undefined) entry.group = node(group);
      else if (configUsers.has(user)) entry.group = { name: user };
    }
    if (mode > 0o777) later.chmod.push([f.mode.padStart(4, '0'), f.path]);
    files.push(entry);
  }

  const users = (c.users ?? []).map((u) => ({
    name: u.name,
    ...(u.password_hash !== undefined ? { passwordHash: u.password_hash } : {}),
    ...(u.ssh_authorized_keys?.length ? { sshAuthorizedKeys: u.ssh_authorized_keys.map((k) => k.trim()) } : {}),
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
  const units: Array<Record<string, unknown>> = [];
  if (c.ssh?.enabled !== undefined) units.push({ name: 'sshd.service', enabled: c.ssh.enabled });
  const groups = groupsUnit(c, later);
  if (groups !== undefined) units.push({ name: GROUPS_UNIT, enabled: true, contents: groups });
  if (units.length > 0) out.systemd = { units };
  return out;
}
