// Every schema rule, good and bad, table-driven: a valid base config is patched at one path and
// the formatted problems are compared in full.
import { describe, expect, it } from 'vitest';
import { FlashError } from '../../../../flasher/errors.js';
import { configIssuesOf, formatIssue } from '../../../../provisioning/config/issues.js';
import { assertValidConfig, parseConfigText, validateConfig } from '../../../../provisioning/config/validate.js';
import { ed25519Line } from './helpers.js';

const KEY = ed25519Line();
const HASH6 = '$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.';

function base(): Record<string, unknown> {
  return {
    version: 1,
    hostname: 'edge-001',
    users: [{ name: 'alice', password: 'pw', ssh_authorized_keys: [KEY], groups: ['wheel', 'docker'], sudo: true, shell: '/bin/bash' }],
    ssh: { enabled: true, password_authentication: false },
    network: {
      version: 2,
      ethernets: { eth0: { dhcp4: true, dhcp6: false, addresses: ['192.168.1.10/24', '2001:db8::5/64'], routes: [{ to: '10.0.0.0/8', via: '192.168.1.254' }], gateway4: '192.168.1.1', nameservers: { addresses: ['1.1.1.1', '2606:4700:4700::1111'], search: ['example.com'] } } },
      wifis: { wlan0: { dhcp4: true, 'regulatory-domain': 'DE', 'access-points': { home: { password: 'password123', hidden: true } } } },
    },
    timezone: 'Europe/Berlin',
    locale: 'en_US.UTF-8',
    keyboard: { layout: 'de', variant: 'nodeadkeys' },
    storage: { volumes: [{ name: 'data', size: '60%FREE', create: true, filesystem: 'ext4', mountpoint: '/srv/data' }, { name: 'home', size: '2G' }] },
    containers: [{ name: 'web', image: 'docker.io/library/nginx:1.27', ports: ['8080:80/tcp'], volumes: ['data:/usr/share/nginx/html:ro'], env: { PORT: 8080, MODE: 'prod' }, restart: 'unless-stopped' }],
    files: [{ path: '/etc/motd', mode: '0644', contents: 'hi\n', owner: 'root:root' }],
    update: { channel: 'stable', server: 'https://updates.example.com/3os', auto_rollback: true },
    serial_provisioning: { lock: true, key: 'a long serial key' },
  };
}

type Patch = (c: Record<string, unknown>) => void;

/** Set `value` at a dotted path (numbers index lists); undefined deletes. */
function at(path: string, value: unknown): Patch {
  return (c) => {
    const segs = path.split('.');
    let cur: Record<string, unknown> = c;
    for (const s of segs.slice(0, -1)) cur = cur[s] as Record<string, unknown>;
    const last = segs[segs.length - 1] ?? '';
    if (value === undefined) delete cur[last];
    else cur[last] = value;
  };
}

function problems(patch: Patch): string[] {
  const c = base();
  patch(c);
  const r = validateConfig(c);
  return r.ok ? [] : r.issues.map(formatIssue);
}

describe('schema v1: the base config and good variants are accepted', () => {
  it.each<[string, Patch]>([
    ['base', () => undefined],
    ['only version', (c) => { for (const k of Object.keys(c)) if (k !== 'version') delete c[k]; }],
    ['fqdn hostname', at('hostname', 'node-7.lab.example.com')],
    ['password_hash $6$', at('users', [{ name: 'bob', password_hash: HASH6 }])],
    ['password_hash $6$ rounds', at('users', [{ name: 'bob', password_hash: HASH6.replace('$6$', '$6$rounds=10000$') }])],
    ['password_hash $5$', at('users', [{ name: 'bob', password_hash: `$5$saltsalt$${'a'.repeat(43)}` }])],
    ['password_hash $y$', at('users', [{ name: 'bob', password_hash: `$y$j9T$abcdefghijklmnop$${'B'.repeat(43)}` }])],
    ['key-only user', at('users', [{ name: '_svc', ssh_authorized_keys: [KEY] }])],
    ['timezone UTC', at('timezone', 'UTC')],
    ['timezone Etc/GMT+5', at('timezone', 'Etc/GMT+5')],
    ['locale C.UTF-8', at('locale', 'C.UTF-8')],
    ['route default v6', at('network.ethernets.eth0.routes', [{ to: 'default', via: 'fe80::1', metric: 100 }])],
    ['match by mac', at('network.ethernets', { lan: { match: { macaddress: '52:54:00:12:34:56' }, dhcp4: true } })],
    ['psk stored form', at('network.wifis.wlan0.access-points', { home: { psk: 'a'.repeat(64) } })],
    ['open network', at('network.wifis.wlan0.access-points', { cafe: {} })],
    ['size 512M', at('storage.volumes', [{ name: 'logs', size: '512M', create: true }])],
    ['size 100%FREE', at('storage.volumes', [{ name: 'containers', size: '100%FREE' }])],
    ['image by digest', at('containers', [{ name: 'x', image: `ghcr.io/org/app@sha256:${'a'.repeat(64)}` }])],
    ['image registry port', at('containers', [{ name: 'x', image: 'localhost:5000/app:v1' }])],
    ['ports variants', at('containers', [{ name: 'x', image: 'nginx', ports: ['80', '127.0.0.1:8080:80', '[::1]:53:53/udp', '5000:5000/sctp'] }])],
    ['volume abs path', at('containers', [{ name: 'x', image: 'nginx', volumes: ['/srv/www:/www:rw'] }])],
    ['file base64', at('files', [{ path: '/opt/app/bin', mode: '0755', contents_base64: 'AAEC' }])],
    ['file in home', at('files', [{ path: '/home/alice/.profile', mode: '600', contents: '' }])],
    ['serial stored form', at('serial_provisioning', { lock: true, key_salt: 'a'.repeat(32), key_derived: 'b'.repeat(64) })],
    ['serial unlocked without key', at('serial_provisioning', { lock: false })],
  ])('%s', (_name, patch) => {
    expect(problems(patch)).toEqual([]);
  });
});

describe('schema v1: bad values are refused with path and reason', () => {
  it.each<[string, Patch, string[]]>([
    ['version missing', at('version', undefined), ['version: is required']],
    ['version 2', at('version', 2), ['version: must be 1 (this tool reads schema v1; got 2)']],
    ['hostname underscore', at('hostname', 'edge_1'), ['hostname: label "edge_1" may hold only letters, digits and inner hyphens (RFC 1123)']],
    ['hostname leading hyphen', at('hostname', '-edge'), ['hostname: label "-edge" may hold only letters, digits and inner hyphens (RFC 1123)']],
    ['hostname label too long', at('hostname', `${'a'.repeat(64)}`), ['hostname: label "' + 'a'.repeat(64) + '" is longer than 63 characters']],
    ['hostname too long', at('hostname', `${'a'.repeat(40)}.${'b'.repeat(30)}`), ['hostname: must be at most 64 characters (is 71)']],
    ['hostname empty label', at('hostname', 'a..b'), ['hostname: has an empty label (two dots in a row, or a leading/trailing dot)']],
    ['hostname number', at('hostname', 42), ['hostname: must be text, not a number']],
    ['user root', at('users.0.name', 'root'), ['users[0].name: "root" is a reserved system account']],
    ['user uppercase', at('users.0.name', 'Alice'), ['users[0].name: must start with a lowercase letter or "_" and hold only a-z, 0-9, "_" and "-"']],
    ['user too long', at('users.0.name', 'a'.repeat(33)), ['users[0].name: must be at most 32 characters']],
    ['user missing name', at('users.0.name', undefined), ['users[0].name: is required']],
    ['password and hash', at('users.0.password_hash', HASH6), ['users[0].password: give either password or password_hash, not both']],
    ['hash md5', (c) => { at('users.0.password', undefined)(c); at('users.0.password_hash', '$1$abc$def')(c); }, ['users[0].password_hash: unsupported hash scheme: use $6$ (SHA-512-crypt), $5$ or $y$ (yescrypt)']],
    ['hash short', (c) => { at('users.0.password', undefined)(c); at('users.0.password_hash', '$6$salt$short')(c); }, ['users[0].password_hash: malformed crypt string (wrong salt or hash length, or characters outside ./0-9A-Za-z)']],
    ['hash low rounds', (c) => { at('users.0.password', undefined)(c); at('users.0.password_hash', HASH6.replace('$6$', '$6$rounds=999$'))(c); }, ['users[0].password_hash: rounds= must be from 1000 to 999999999']],
    ['password empty', at('users.0.password', ''), ['users[0].password: must not be empty']],
    ['bad key', at('users.0.ssh_authorized_keys', [KEY, 'ssh-ed25519 AAAA']), ['users[0].ssh_authorized_keys[1]: not an OpenSSH public key (base64 blob is corrupt)']],
    ['bad group', at('users.0.groups', ['ok', 'Bad Group']), ['users[0].groups[1]: must be a group name (lowercase letter or "_" first, then a-z, 0-9, "_" or "-", at most 32)']],
    ['sudo string', at('users.0.sudo', 'yes'), ['users[0].sudo: must be true or false, not a string']],
    ['shell relative', at('users.0.shell', 'bash'), ['users[0].shell: must be an absolute path such as /bin/bash']],
    ['duplicate users', at('users', [{ name: 'bob' }, { name: 'bob' }]), ['users[1].name: duplicate user name "bob" (also at users[0].name)']],
    ['ssh unknown key', at('ssh.port', 22), ['ssh.port: unknown field']],
    ['network version 1', at('network.version', 1), ['network.version: must be 2']],
    ['cidr no prefix', at('network.ethernets.eth0.addresses', ['192.168.1.10']), ['network.ethernets.eth0.addresses[0]: must be an address with a prefix length, like 192.168.1.10/24 or 2001:db8::5/64']],
    ['cidr bad prefix', at('network.ethernets.eth0.addresses', ['192.168.1.10/33']), ['network.ethernets.eth0.addresses[0]: IPv4 prefix length must be 0 to 32']],
    ['cidr bad ip', at('network.ethernets.eth0.addresses', ['300.1.1.1/24']), ['network.ethernets.eth0.addresses[0]: "300.1.1.1" is not an IPv4 or IPv6 address']],
    ['gateway4 v6', at('network.ethernets.eth0.gateway4', '2001:db8::1'), ['network.ethernets.eth0.gateway4: must be an IPv4 address']],
    ['gateway4 without v4 address', (c) => { at('network.ethernets.eth0.addresses', ['2001:db8::5/64'])(c); at('network.ethernets.eth0.dhcp4', false)(c); }, [
      'network.ethernets.eth0.gateway4: needs an IPv4 address in addresses (or dhcp4: true)',
      'network.ethernets.eth0.nameservers.addresses[0]: IPv4 nameserver needs an IPv4 address in addresses (or dhcp4: true)',
      'network.ethernets.eth0.routes[0].via: IPv4 gateway needs an IPv4 address in addresses (or dhcp4: true)',
    ]],
    ['IPv6 nameserver and gateway without IPv6', at('network.ethernets.eth0', { dhcp4: true, nameservers: { addresses: ['2001:db8::53'] }, routes: [{ to: 'default', via: 'fe80::1' }] }), [
      'network.ethernets.eth0.nameservers.addresses[0]: IPv6 nameserver needs an IPv6 address in addresses (or dhcp6: true)',
      'network.ethernets.eth0.routes[0].via: IPv6 gateway needs an IPv6 address in addresses (or dhcp6: true)',
    ]],
    ['search domains without any address', at('network.ethernets.eth0', { nameservers: { search: ['lab.example'] } }), ['network.ethernets.eth0.nameservers.search: search domains need an address in addresses (or dhcp4/dhcp6: true)']],
    ['route family mix', at('network.ethernets.eth0.routes', [{ to: '10.0.0.0/8', via: '2001:db8::1' }]), ['network.ethernets.eth0.routes[0].via: IPv6 gateway for an IPv4 destination']],
    ['route bad to', at('network.ethernets.eth0.routes', [{ to: 'anywhere', via: '10.0.0.1' }]), ['network.ethernets.eth0.routes[0].to: must be "default" or a network like 10.0.0.0/8']],
    ['dns bad', at('network.ethernets.eth0.nameservers', { addresses: ['dns.google'] }), ['network.ethernets.eth0.nameservers.addresses[0]: must be an IPv4 or IPv6 address']],
    ['iface name too long', at('network.ethernets', { 'enp0s31f6-very-long': { dhcp4: true } }), ['network.ethernets.enp0s31f6-very-long: interface name must be 1 to 15 characters (or give match: to use it as a label)']],
    ['iface in both', at('network.wifis', { eth0: { 'access-points': {} } }), ['network.wifis.eth0: duplicate interface "eth0" (also at network.ethernets.eth0)']],
    ['wifi pass short', at('network.wifis.wlan0.access-points.home.password', 'short'), ['network.wifis.wlan0.access-points.home.password: must be 8 to 63 characters']],
    ['wifi pass long', at('network.wifis.wlan0.access-points.home.password', 'x'.repeat(64)), ['network.wifis.wlan0.access-points.home.password: must be 8 to 63 characters']],
    ['wifi pass non-ascii', at('network.wifis.wlan0.access-points.home.password', 'pässwörd123'), ['network.wifis.wlan0.access-points.home.password: must be printable ASCII (letters, digits, punctuation, space)']],
    ['wifi both', at('network.wifis.wlan0.access-points.home.psk', 'a'.repeat(64)), ['network.wifis.wlan0.access-points.home.password: give either password or psk, not both']],
    ['psk not hex', at('network.wifis.wlan0.access-points', { home: { psk: 'zz' } }), ['network.wifis.wlan0.access-points.home.psk: must be the 64 hex digits of a WPA PSK (give `password` to have it derived)']],
    ['ssid too long', at('network.wifis.wlan0.access-points', { ['s'.repeat(33)]: {} }), [`network.wifis.wlan0.access-points.${'s'.repeat(33)}: SSID must be 1 to 32 bytes (is 33)`]],
    ['regdom lower', at('network.wifis.wlan0.regulatory-domain', 'de'), ['network.wifis.wlan0.regulatory-domain: country codes are upper case: "DE"']],
    ['regdom unknown', at('network.wifis.wlan0.regulatory-domain', 'XX'), ['network.wifis.wlan0.regulatory-domain: must be an ISO 3166-1 alpha-2 country code such as DE, US or GB']],
    ['access-points missing', at('network.wifis.wlan0.access-points', undefined), ['network.wifis.wlan0.access-points: is required']],
    ['timezone typo', at('timezone', 'Europe/Berln'), ['timezone: not an IANA time zone name (did you mean "Europe/Berlin"?) (e.g. Europe/Berlin, America/New_York, UTC)']],
    ['timezone Etc/GMT+13', at('timezone', 'Etc/GMT+13'), ['timezone: not an IANA time zone name (did you mean "Etc/GMT+1"?) (e.g. Europe/Berlin, America/New_York, UTC)']],
    ['locale bad', at('locale', 'english'), ['locale: must be a locale like en_US.UTF-8 or de_DE.UTF-8']],
    ['keyboard no layout', at('keyboard', { variant: 'dvorak' }), ['keyboard.layout: is required']],
    ['keyboard bad layout', at('keyboard.layout', 'DE'), ['keyboard.layout: must be an XKB layout name like us, de or gb']],
    ['lv name reserved', at('storage.volumes.0.name', 'snapshot1'), ['storage.volumes[0].name: must not start with "snapshot" (reserved by LVM)']],
    ['lv name chars', at('storage.volumes.0.name', 'my data'), ['storage.volumes[0].name: may hold only letters, digits and + _ . -']],
    ['lv name _tmeta', at('storage.volumes.0.name', 'x_tmeta'), ['storage.volumes[0].name: must not contain "_tmeta" (reserved by LVM)']],
    ['lv size bad', at('storage.volumes.0.size', '2 GB'), ["storage.volumes[0].size: must be a size like '512M', '2G', '2GiB' or '1.5T' (K/M/G/T/P, powers of 1024; 'B' for bytes) or a share like '60%FREE' (1 to 100)"]],
    ['lv size pct', at('storage.volumes.0.size', '0%FREE'), ['storage.volumes[0].size: the share must be from 1%FREE to 100%FREE']],
    ['lv pct sum', at('storage.volumes', [{ name: 'a', size: '60%FREE' }, { name: 'b', size: '50%FREE' }]), ['storage.volumes: the %FREE shares add up to 110% (at most 100%)']],
    ['lv fs without create', at('storage.volumes.1.filesystem', 'ext4'), ['storage.volumes[1].filesystem: applies only to new volumes (set create: true)']],
    ['lv fs btrfs', at('storage.volumes.0.filesystem', 'btrfs'), ['storage.volumes[0].filesystem: must be one of "ext4", "xfs"']],
    ['lv duplicate', at('storage.volumes.1.name', 'data'), ['storage.volumes[1].name: duplicate volume name "data" (also at storage.volumes[0].name)']],
    ['image uppercase', at('containers.0.image', 'Nginx'), ['containers[0].image: repository name must be lowercase']],
    ['image bad', at('containers.0.image', 'nginx:'), ['containers[0].image: not a valid image reference (expected [registry/]name[:tag][@sha256:digest], e.g. docker.io/library/nginx:1.27)']],
    ['image short digest', at('containers.0.image', `nginx@sha256:${'a'.repeat(40)}`), ['containers[0].image: sha256 digest must have 64 hex digits']],
    ['port range', at('containers.0.ports', ['70000:80']), ['containers[0].ports[0]: port "70000" must be a number from 1 to 65535']],
    ['port proto', at('containers.0.ports', ['80:80/icmp']), ['containers[0].ports[0]: protocol must be tcp, udp or sctp (is "icmp")']],
    ['port dup', at('containers', [{ name: 'a', image: 'x', ports: ['80:80'] }, { name: 'b', image: 'y', ports: ['80:8080/tcp'] }]), ['containers[1].ports[0]: duplicate published host port "*:80/tcp" (also at containers[0].ports[0])']],
    ['volume relative target', at('containers.0.volumes', ['data:www']), ['containers[0].volumes[0]: target "www" must be a clean absolute path']],
    ['volume bad opt', at('containers.0.volumes', ['data:/www:z']), ['containers[0].volumes[0]: option must be ro or rw (is "z")']],
    ['env name', at('containers.0.env', { '1BAD': 'x' }), ['containers[0].env.1BAD: environment variable names hold only letters, digits and "_", not starting with a digit']],
    ['env multiline', at('containers.0.env', { A: 'x\ny' }), ['containers[0].env.A: must be one line (no line breaks or NUL)']],
    ['env object', at('containers.0.env', { A: { b: 1 } }), ['containers[0].env.A: must be text, a number or true/false']],
    ['restart typo', at('containers.0.restart', 'alway'), ['containers[0].restart: must be one of "no", "always", "on-failure", "unless-stopped" (did you mean "always"?)']],
    ['container dup', at('containers', [{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }]), ['containers[1].name: duplicate container name "a" (also at containers[0].name)']],
    ['file /usr', at('files.0.path', '/usr/bin/x'), ['files[0].path: must be under /etc, /home, /var or /opt']],
    ['file dotdot', at('files.0.path', '/etc/../usr/x'), ['files[0].path: must not contain "." or ".." components']],
    ['file relative', at('files.0.path', 'etc/x'), ['files[0].path: must be an absolute path']],
    ['file /etc itself', at('files.0.path', '/etc'), ['files[0].path: must be under /etc, /home, /var or /opt']],
    ['file mode number', at('files.0.mode', 644), ["files[0].mode: must be a quoted octal string like '0644' (unquoted, YAML reads it as a decimal number)"]],
    ['file mode 9', at('files.0.mode', '0699'), ["files[0].mode: must be an octal string like '0644' (quote it in YAML)"]],
    ['file both contents', at('files.0.contents_base64', 'AA=='), ['files[0]: give either contents or contents_base64, not both']],
    ['file no contents', at('files.0.contents', undefined), ['files[0]: needs contents or contents_base64']],
    ['file bad base64', (c) => { at('files.0.contents', undefined)(c); at('files.0.contents_base64', 'A*B=')(c); }, ['files[0].contents_base64: is not valid base64']],
    ['file owner', at('files.0.owner', 'Root'), ['files[0].owner: must be USER or USER:GROUP (names or numeric ids)']],
    ['file dup', at('files', [{ path: '/etc/a', mode: '0644', contents: '' }, { path: '/etc/a', mode: '0644', contents: '' }]), ['files[1].path: duplicate file path "/etc/a" (also at files[0].path)']],
    ['update http', at('update.server', 'http://updates.example.com'), ['update.server: must use https://']],
    ['update creds', at('update.server', 'https://u:p@updates.example.com'), ['update.server: must not carry a user name or password']],
    ['update channel', at('update.channel', 'Stable!'), ['update.channel: must be a channel name like stable or beta (a-z, 0-9, . _ -)']],
    ['serial short key', at('serial_provisioning.key', 'short'), ['serial_provisioning.key: must be at least 12 characters']],
    ['serial lock no key', at('serial_provisioning', { lock: true }), ['serial_provisioning.key: lock: true needs a key (at least 12 characters)']],
    ['serial salt alone', at('serial_provisioning', { key_salt: 'a'.repeat(32) }), ['serial_provisioning.key_derived: key_salt and key_derived go together']],
    ['unknown top key', (c) => { c.hostnmae = 'x'; }, ['hostnmae: unknown field (did you mean "hostname"?)']],
    ['unknown nested key', at('users.0.ssh_authorized_key', [KEY]), ['users[0].ssh_authorized_key: unknown field (did you mean "ssh_authorized_keys"?)']],
    ['unknown netplan key', at('network.ethernets.eth0.dhcp', true), ['network.ethernets.eth0.dhcp: unknown field (did you mean "dhcp4"?)']],
    ['unknown far key', (c) => { c.frobnicate = 1; }, ['frobnicate: unknown field']],
  ])('%s', (_name, patch, expected) => {
    expect(problems(patch)).toEqual(expected);
  });
});

describe('all problems at once', () => {
  it('reports every problem of a config in one E_CONFIG_INVALID', () => {
    const c = base();
    c.hostnmae = 'x';
    at('hostname', 'bad_host')(c);
    at('users.0.name', 'root')(c);
    at('network.wifis.wlan0.access-points.home.password', 'short')(c);
    at('files.0.mode', 644)(c);
    at('containers.0.restart', 'sometimes')(c);
    let err: unknown;
    try {
      assertValidConfig(c);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FlashError);
    expect((err as FlashError).code).toBe('E_CONFIG_INVALID');
    const issues = configIssuesOf(err).map(formatIssue);
    expect(issues).toHaveLength(6);
    expect((err as FlashError).message).toContain('config is invalid (6 problems):');
    for (const line of issues) expect((err as FlashError).message).toContain(line);
  });

  it('YAML errors and duplicate keys are config errors with a line number', () => {
    expect(() => parseConfigText('version: 1\nhostname: a\nhostname: b\n')).toThrow(/line 3/);
    expect(() => parseConfigText('version: [1\n')).toThrow(FlashError);
  });

  it('YAML and JSON input give the same config', () => {
    const y = parseConfigText('version: 1\nhostname: edge\nfiles:\n  - path: /etc/x\n    mode: "0600"\n    contents: ""\n');
    const j = parseConfigText('{"version":1,"hostname":"edge","files":[{"path":"/etc/x","mode":"0600","contents":""}]}');
    expect(y).toEqual(j);
    expect(validateConfig(y).ok).toBe(true);
  });

  it('unquoted YAML mode is explained', () => {
    const r = validateConfig(parseConfigText('version: 1\nfiles:\n  - path: /etc/x\n    mode: 0644\n    contents: ""\n'));
    expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual(["files[0].mode: must be a quoted octal string like '0644' (unquoted, YAML reads it as a decimal number)"]);
  });
});

describe('time zones: the shipped tzdata list (time-zones.ts)', () => {
  const stored = (tz: string): unknown => {
    const r = validateConfig({ version: 1, timezone: tz });
    return r.ok ? r.config.timezone : r.issues.map(formatIssue);
  };

  it('accepts current names that ICU knows only under an old one, stored as given', () => {
    for (const tz of ['Europe/Kyiv', 'Asia/Kolkata', 'America/Nuuk', 'Asia/Yangon', 'Pacific/Kanton', 'America/Ciudad_Juarez', 'Etc/GMT-14']) {
      expect(stored(tz)).toBe(tz);
    }
  });

  it('accepts the old aliases and stores the zone they name', () => {
    expect(stored('Europe/Kiev')).toBe('Europe/Kyiv');
    expect(stored('Asia/Calcutta')).toBe('Asia/Kolkata');
    expect(stored('America/Godthab')).toBe('America/Nuuk');
    expect(stored('US/Eastern')).toBe('America/New_York');
    expect(stored('UTC')).toBe('Etc/UTC');
  });

  it('refuses names tzdb does not spell that way', () => {
    expect(stored('europe/kyiv')).toEqual(['timezone: not an IANA time zone name (did you mean "Europe/Kyiv"?) (e.g. Europe/Berlin, America/New_York, UTC)']);
    expect(stored('Asia/Kolkatta')).toEqual(['timezone: not an IANA time zone name (did you mean "Asia/Kolkata"?) (e.g. Europe/Berlin, America/New_York, UTC)']);
  });
});
