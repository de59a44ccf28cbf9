// The rules each first-boot rendering follows so its consumer reads what the user wrote
// (issue 19): cloud-init file ordering and owners, NetworkManager keyfile sections and SSIDs,
// Ignition's spec version, groups and special modes. The consumers themselves judge the output
// in test/integration/first-boot-consumers.test.ts.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderKeyfiles } from '../../../../provisioning/config/nm-keyfile.js';
import { renderCloudInit } from '../../../../provisioning/config/render-cloud-init.js';
import { GROUPS_UNIT, renderIgnition } from '../../../../provisioning/config/render-ignition.js';
import { assertValidConfig } from '../../../../provisioning/config/validate.js';
import type { ConfigNetwork } from '../../../../provisioning/config/schema.js';

const PSK = 'ab'.repeat(32);
const FILES = [
  { path: '/etc/motd', mode: '0644', contents: 'hi\n' },
  { path: '/home/bob/notes', mode: '0600', contents: 'x' },
  { path: '/opt/a', mode: '0640', contents: 'a', owner: 'alice' },
  { path: '/opt/b', mode: '0640', contents: 'b', owner: 'alice:adm' },
  { path: '/opt/c', mode: '0640', contents: 'c', owner: 'www-data' },
  { path: '/opt/d', mode: '0640', contents: 'd', owner: '1001:1001' },
  { path: '/opt/e', mode: '4755', contents: 'e', owner: 'alice:100' },
  { path: '/opt/f', mode: '2750', contents: 'f', owner: 'bob:docker' },
];
const cfg = assertValidConfig({
  version: 1,
  users: [{ name: 'alice', groups: ['docker', 'gpio'] }, { name: 'bob', groups: ['docker'] }, { name: 'carol' }],
  files: FILES,
  ssh: { enabled: false },
});

describe('cloud-init: write_files after users-groups, owners cloud-init can resolve', () => {
  const doc = parse(renderCloudInit(cfg, 'iid').userData) as { write_files: Array<Record<string, unknown>>; runcmd: string[][] };

  it('defers files owned by someone or in a home directory; others are written early', () => {
    expect(doc.write_files.map((f) => [f.path, f.defer ?? false])).toEqual([
      ['/etc/motd', false], ['/home/bob/notes', true], ['/opt/a', true], ['/opt/b', true], ['/opt/c', true], ['/opt/d', true], ['/opt/e', true], ['/opt/f', true],
    ]);
  });

  it('names go to write_files, numbers and unknown primary groups to chown in runcmd; special bits again after every chown', () => {
    expect(doc.write_files.map((f) => f.owner)).toEqual([undefined, undefined, 'alice:alice', 'alice:adm', undefined, undefined, undefined, 'bob:docker']);
    expect(doc.runcmd).toEqual([
      ['chown', '--', 'www-data:', '/opt/c'],
      ['chown', '--', '1001:1001', '/opt/d'],
      ['chown', '--', 'alice:100', '/opt/e'],
      ['chmod', '4755', '--', '/opt/e'],
      ['chmod', '2750', '--', '/opt/f'],
      ['sh', '-c', 'systemctl disable --now ssh.service sshd.service 2>/dev/null || true'],
    ]);
    expect(doc.write_files[6]?.permissions).toBe('4755');
  });
});

describe('Ignition: spec 3.0.0, groups and special modes by a first-boot unit', () => {
  const ign = renderIgnition(cfg) as {
    ignition: { version: string };
    passwd: { users: Array<Record<string, unknown>>; groups?: unknown };
    storage: { files: Array<{ path: string; mode: number; user?: unknown; group?: unknown }> };
    systemd: { units: Array<{ name: string; enabled?: boolean; contents?: string }> };
  };
  const unit = ign.systemd.units.find((u) => u.name === GROUPS_UNIT);

  it('writes the lowest spec, no groups on the users and no passwd.groups', () => {
    expect(ign.ignition.version).toBe('3.0.0');
    expect(ign.passwd.users.map((u) => u.groups)).toEqual([undefined, undefined, undefined]);
    expect(ign.passwd.groups).toBeUndefined();
  });

  it('the unit adds each group (groupadd -f), each membership, the groups of files owned by them, then special modes, once', () => {
    const exec = (unit?.contents ?? '').split('\n').filter((l) => l.startsWith('ExecStart='));
    expect(exec).toEqual([
      'ExecStart=groupadd -f docker',
      'ExecStart=groupadd -f gpio',
      'ExecStart=usermod -a -G docker,gpio alice',
      'ExecStart=usermod -a -G docker bob',
      'ExecStart=chgrp docker /opt/f',
      'ExecStart=chmod 4755 /opt/e',
      'ExecStart=chmod 2750 /opt/f',
      'ExecStart=mkdir -p /var/lib/3os',
      'ExecStart=touch /var/lib/3os/first-boot-groups.done',
    ]);
    expect(unit?.enabled).toBe(true);
    expect(unit?.contents).toContain('ConditionPathExists=!/var/lib/3os/first-boot-groups.done\n');
  });

  it('file owners: a bare config user gets its own group; modes carry no special bits', () => {
    const byPath = new Map(ign.storage.files.map((f) => [f.path, f]));
    expect(byPath.get('/opt/a')).toMatchObject({ user: { name: 'alice' }, group: { name: 'alice' } });
    expect(byPath.get('/opt/c')).toMatchObject({ user: { name: 'www-data' } });
    expect(byPath.get('/opt/c')?.group).toBeUndefined();
    expect(byPath.get('/opt/d')).toMatchObject({ user: { id: 1001 }, group: { id: 1001 } });
    expect(byPath.get('/opt/e')).toMatchObject({ mode: 0o755, user: { name: 'alice' }, group: { id: 100 } });
    // docker may not exist before the unit runs: the unit sets that group.
    expect(byPath.get('/opt/f')).toMatchObject({ mode: 0o750, user: { name: 'bob' } });
    expect(byPath.get('/opt/f')?.group).toBeUndefined();
  });

  it('no unit without groups or special modes', () => {
    const plain = renderIgnition(assertValidConfig({ version: 1, users: [{ name: 'dave' }] }));
    expect(plain).not.toHaveProperty('systemd');
  });
});

describe('NetworkManager keyfiles: per-section semantics and SSID forms', () => {
  const keyfile = (net: ConfigNetwork): string => renderKeyfiles(net).map((k) => k.contents).join('\n#\n');

  it('DNS servers go to their family, search domains to the first configured family only', () => {
    const v4only = keyfile({ version: 2, ethernets: { eth0: { dhcp4: true, nameservers: { addresses: ['1.1.1.1'], search: ['lab.example'] } } } });
    expect(v4only).toContain('[ipv4]\nmethod=auto\ndns=1.1.1.1;\ndns-search=lab.example;\n');
    expect(v4only).toContain('[ipv6]\nmethod=ignore\n');
    expect(v4only.split('[ipv6]')[1]).not.toMatch(/dns/);
    const v6only = keyfile({ version: 2, ethernets: { eth0: { addresses: ['2001:db8::5/64'], nameservers: { addresses: ['2001:db8::53'], search: ['lab.example'] } } } });
    expect(v6only).toContain('[ipv4]\nmethod=disabled\n\n[ipv6]\nmethod=manual\naddress1=2001:db8::5/64\ndns=2001:db8::53;\ndns-search=lab.example;\n');
  });

  it('SSIDs that plain text cannot carry are written as bytes', () => {
    const ssids = (names: string[]): string[] => {
      const aps = Object.fromEntries(names.map((n) => [n, { psk: PSK }]));
      return renderKeyfiles({ version: 2, wifis: { wlan0: { dhcp4: true, 'access-points': aps } } }).map((k) => /^ssid=(.*)$/m.exec(k.contents)?.[1] ?? '');
    };
    expect(ssids(['Home Net', 'cafe_1', ' lead', 'trail ', 'a;b', '12;', 'Café ☕'])).toEqual([
      'Home Net', 'cafe_1', '32;108;101;97;100;', '116;114;97;105;108;32;', '97;59;98;', '49;50;59;',
      `${[...Buffer.from('Café ☕')].join(';')};`,
    ]);
  });
});
