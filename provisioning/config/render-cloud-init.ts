/**
 * cloud-init NoCloud seed files from a stored config, for images whose first boot runs
 * cloud-init: `user-data` (#cloud-config), `meta-data` (fresh instance-id) and
 * `network-config` (network config v2, which cloud-init hands to netplan: the image must use
 * cloud-init's netplan renderer, docs/first-boot-formats.md says why).
 * Not expressed here (the 3os agent applies them from 3os/config.yaml): storage, containers,
 * update, serial_provisioning.
 */
import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import { renderNetplan } from './render-network.js';
import type { Config, ConfigUser } from './schema.js';

export interface CloudInitSeed {
  readonly userData: string;
  readonly metaData: string;
  /** Absent when the config has no network section (cloud-init then keeps its fallback DHCP). */
  readonly networkConfig: string | undefined;
}

/** sudo rule: a user without a password could never type one, so it gets NOPASSWD. */
export function sudoRule(u: ConfigUser): string {
  return u.password_hash === undefined ? 'ALL=(ALL) NOPASSWD:ALL' : 'ALL=(ALL) ALL';
}

function cloudUser(u: ConfigUser): Record<string, unknown> {
  const out: Record<string, unknown> = { name: u.name };
  if (u.password_hash !== undefined) {
    out.lock_passwd = false;
    out.hashed_passwd = u.password_hash;
  } else {
    out.lock_passwd = true;
  }
  if (u.groups?.length) out.groups = u.groups;
  if (u.sudo === true) out.sudo = sudoRule(u);
  if (u.shell !== undefined) out.shell = u.shell;
  if (u.ssh_authorized_keys?.length) out.ssh_authorized_keys = u.ssh_authorized_keys.map((k) => k.trim());
  return out;
}

/**
 * How a file's owner reaches cloud-init. write_files takes names only (it looks both up with
 * getpwnam/getgrnam and fails on a number), and a bare user means that user's primary group (as
 * `chown user:` and the 3os agent do), which is known only for users this config creates (their
 * own group). Anything else is written as root and handed to `chown` in runcmd, which runs after
 * write-files-deferred in the final stage.
 */
function cloudOwner(owner: string | undefined, configUsers: ReadonlySet<string>): { owner?: string; chown?: string } {
  if (owner === undefined) return {};
  const [user = '', group] = owner.split(':');
  const named = (s: string): boolean => !/^\d+$/.test(s);
  if (named(user) && group !== undefined && named(group)) return { owner };
  if (group === undefined && configUsers.has(user)) return { owner: `${user}:${user}` };
  return { chown: group === undefined ? `${user}:` : owner };
}

export function renderCloudInit(c: Config, instanceId = `3os-${randomUUID()}`): CloudInitSeed {
  const cc: Record<string, unknown> = {};
  if (c.hostname !== undefined) {
    cc.hostname = c.hostname.split('.')[0];
    if (c.hostname.includes('.')) cc.fqdn = c.hostname;
    cc.preserve_hostname = false;
  }
  if (c.timezone !== undefined) cc.timezone = c.timezone;
  if (c.locale !== undefined) cc.locale = c.locale;
  if (c.keyboard) cc.keyboard = { layout: c.keyboard.layout, ...(c.keyboard.variant !== undefined ? { variant: c.keyboard.variant } : {}) };
  if (c.ssh?.password_authentication !== undefined) cc.ssh_pwauth = c.ssh.password_authentication;
  if (c.users?.length) cc.users = c.users.map(cloudUser);
  const runcmd: string[][] = [];
  if (c.files?.length) {
    const configUsers = new Set((c.users ?? []).map((u) => u.name));
    cc.write_files = c.files.map((f) => {
      const own = cloudOwner(f.owner, configUsers);
      if (own.chown !== undefined) runcmd.push(['chown', '--', own.chown, f.path]);
      // write_files always chowns (to root:root by default) after setting the mode, and a chown
      // clears setuid/setgid: special bits are set again once every chown is done.
      if (Number.parseInt(f.mode, 8) > 0o777) runcmd.push(['chmod', f.mode.padStart(4, '0'), '--', f.path]);
      return {
        path: f.path,
        permissions: f.mode.padStart(4, '0'),
        ...(own.owner !== undefined ? { owner: own.owner } : {}),
        encoding: 'b64',
        content: f.contents_base64?.replace(/\s+/g, '') ?? Buffer.from(f.contents ?? '', 'utf8').toString('base64'),
        // write-files runs before users-groups: a file owned by (or in the home of) a user of this
        // config waits for write-files-deferred (final stage), once the user exists.
        ...(f.owner !== undefined || f.path.startsWith('/home/') ? { defer: true } : {}),
      };
    });
  }
  if (c.ssh?.enabled === false) {
    runcmd.push(['sh', '-c', 'systemctl disable --now ssh.service sshd.service 2>/dev/null || true']);
  }
  if (runcmd.length > 0) cc.runcmd = runcmd;
  const header = '#cloud-config\n# Written by 3os Flasher from 3os/config.yaml (3os image standard v1).\n';
  const body = Object.keys(cc).length > 0 ? stringify(cc, { version: '1.1', lineWidth: 0 }) : '{}\n';
  const meta: Record<string, string> = { 'instance-id': instanceId };
  if (c.hostname !== undefined) meta['local-hostname'] = c.hostname;
  return {
    userData: header + body,
    metaData: stringify(meta, { version: '1.1' }),
    networkConfig: c.network ? renderNetplan(c.network) : undefined,
  };
}
