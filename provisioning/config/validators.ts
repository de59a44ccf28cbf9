/**
 * Field checks for the config schema: each returns why a value is wrong in words a person
 * understands, or undefined when it is fine. Kept free of zod so batch/CSV code and other
 * authors (LVM, serial) can reuse them.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { didYouMean } from './suggest.js';
import { lvNameProblem } from './storage-rules.js';
import { TIME_ZONE_LINKS, TIME_ZONES } from './time-zones.js';

type Problem = string | undefined;

/** Hostname: RFC 1123 labels (1-63 of letters, digits, inner hyphens), 64 characters in all (Linux HOST_NAME_MAX). */
export function hostnameProblem(s: string): Problem {
  if (s.length === 0) return 'must not be empty';
  if (s.length > 64) return `must be at most 64 characters (is ${s.length})`;
  for (const label of s.split('.')) {
    if (label.length === 0) return 'has an empty label (two dots in a row, or a leading/trailing dot)';
    if (label.length > 63) return `label "${label}" is longer than 63 characters`;
    if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(label)) {
      return `label "${label}" may hold only letters, digits and inner hyphens (RFC 1123)`;
    }
  }
  return undefined;
}

/**
 * Account names that belong to the system. Decision: these are refused in users[] (the image
 * owns them; root logs in with keys through a normal user and sudo).
 */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  'root', 'daemon', 'bin', 'sys', 'sync', 'games', 'man', 'lp', 'mail', 'news', 'uucp', 'proxy',
  'www-data', 'backup', 'list', 'irc', 'gnats', 'nobody', 'nogroup', 'adm', 'wheel', 'sudo',
  'shadow', 'utmp', 'tty', 'disk', 'kmem', 'operator', 'halt', 'shutdown', 'ftp', 'sshd',
  'messagebus', 'polkitd', 'dbus', 'avahi', 'tss', 'chrony', 'ntp', 'systemd-network',
  'systemd-resolve', 'systemd-timesync', 'systemd-journal', 'systemd-coredump', '_apt', 'dnsmasq',
  'containers', 'docker', 'podman',
]);

const POSIX_NAME = /^[a-z_][a-z0-9_-]*$/;

export function usernameProblem(s: string): Problem {
  if (s.length === 0) return 'must not be empty';
  if (s.length > 32) return 'must be at most 32 characters';
  if (!POSIX_NAME.test(s)) return 'must start with a lowercase letter or "_" and hold only a-z, 0-9, "_" and "-"';
  if (RESERVED_USERNAMES.has(s) || s.startsWith('systemd-')) return `"${s}" is a reserved system account`;
  return undefined;
}

export function groupNameProblem(s: string): Problem {
  if (s.length === 0 || s.length > 32 || !POSIX_NAME.test(s)) {
    return 'must be a group name (lowercase letter or "_" first, then a-z, 0-9, "_" or "-", at most 32)';
  }
  return undefined;
}

/** An absolute path such as /bin/bash, without `..`. */
export function shellProblem(s: string): Problem {
  if (!/^\/[A-Za-z0-9._+/-]*[A-Za-z0-9_+-]$/.test(s) || s.split('/').some((p) => p === '..' || p === '.')) {
    return 'must be an absolute path such as /bin/bash';
  }
  return undefined;
}

export function ipProblem(s: string, family?: 4 | 6): Problem {
  if (family !== 6 && isIPv4(s)) return undefined;
  if (family !== 4 && isIPv6(s) && !s.includes('%')) return undefined;
  return family === 4 ? 'must be an IPv4 address' : family === 6 ? 'must be an IPv6 address' : 'must be an IPv4 or IPv6 address';
}

export function ipFamily(s: string): 4 | 6 | undefined {
  const ip = s.split('/')[0] ?? '';
  return isIPv4(ip) ? 4 : isIPv6(ip) ? 6 : undefined;
}

/** Address with prefix length: 192.168.1.10/24, 2001:db8::5/64. */
export function cidrProblem(s: string): Problem {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return 'must be an address with a prefix length, like 192.168.1.10/24 or 2001:db8::5/64';
  const ip = m[1] ?? '';
  const prefix = Number(m[2]);
  if (isIPv4(ip)) return prefix <= 32 ? undefined : 'IPv4 prefix length must be 0 to 32';
  if (isIPv6(ip) && !ip.includes('%')) return prefix <= 128 ? undefined : 'IPv6 prefix length must be 0 to 128';
  return `"${ip}" is not an IPv4 or IPv6 address`;
}

export function routeDestinationProblem(s: string): Problem {
  return s === 'default' ? undefined : cidrProblem(s) === undefined ? undefined : 'must be "default" or a network like 10.0.0.0/8';
}

/** A DNS search domain. */
export function domainProblem(s: string): Problem {
  if (s.length > 253) return 'must be at most 253 characters';
  const ok = s.split('.').every((l) => /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l));
  return ok ? undefined : 'must be a domain name like example.com';
}

/** Network interface name (Linux: 1-15 bytes, no "/", ":", blanks; not "." or ".."). */
export function interfaceNameProblem(s: string): Problem {
  if (s.length === 0 || s.length > 15) return 'must be 1 to 15 characters';
  if (!/^[A-Za-z0-9_.-]+$/.test(s) || s === '.' || s === '..') return 'may hold only letters, digits and _ . -';
  return undefined;
}

export function macAddressProblem(s: string): Problem {
  return /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(s) ? undefined : 'must be a MAC address like 52:54:00:12:34:56';
}

const ZONES: ReadonlySet<string> = new Set(TIME_ZONES);

/**
 * IANA time zone names of the shipped tzdata list (time-zones.ts): the current zone names, and
 * the old aliases (Link names such as Europe/Kiev or Asia/Calcutta), which canonicalTimezone maps.
 * Spelt exactly as tzdb spells them: "europe/berlin" names no file on a device.
 */
export function timezoneProblem(s: string): Problem {
  if (ZONES.has(s) || Object.hasOwn(TIME_ZONE_LINKS, s)) return undefined;
  return `not an IANA time zone name${didYouMean(s, ZONES)} (e.g. Europe/Berlin, America/New_York, UTC)`;
}

/** The current zone name for a valid time zone name (an old alias becomes the zone it links to). */
export function canonicalTimezone(s: string): string {
  return Object.hasOwn(TIME_ZONE_LINKS, s) ? (TIME_ZONE_LINKS[s] ?? s) : s;
}

/** The canonical zone names (what a picker offers). */
export function timezoneNames(): string[] {
  return [...TIME_ZONES];
}

/** glibc locale name: ll[_CC][.charset][@modifier], or C / C.UTF-8 / POSIX. */
export function localeProblem(s: string): Problem {
  if (/^(C|POSIX|C\.UTF-8|C\.utf8)$/.test(s)) return undefined;
  if (/^[a-z]{2,3}(_[A-Z]{2})?(\.[A-Za-z0-9-]+)?(@[a-z]+)?$/.test(s)) return undefined;
  return 'must be a locale like en_US.UTF-8 or de_DE.UTF-8';
}

export function keyboardLayoutProblem(s: string): Problem {
  return /^[a-z][a-z0-9_-]{0,31}$/.test(s) ? undefined : 'must be an XKB layout name like us, de or gb';
}

export function keyboardVariantProblem(s: string): Problem {
  return /^[a-z0-9][a-z0-9_-]{0,63}$/.test(s) ? undefined : 'must be an XKB variant name like nodeadkeys or dvorak';
}

export const ISO_3166_ALPHA2: ReadonlySet<string> = new Set(
  ('AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO ' +
    'FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE ' +
    'JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO ' +
    'MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW ' +
    'PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM ' +
    'TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW').split(' '),
);

export function countryCodeProblem(s: string): Problem {
  if (ISO_3166_ALPHA2.has(s)) return undefined;
  if (ISO_3166_ALPHA2.has(s.toUpperCase())) return `country codes are upper case: "${s.toUpperCase()}"`;
  return 'must be an ISO 3166-1 alpha-2 country code such as DE, US or GB';
}

// distribution/reference grammar (the one docker and podman use).
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** Container image reference, e.g. docker.io/library/nginx:1.27 or ghcr.io/o/app@sha256:... */
export function imageReferenceProblem(s: string): Problem {
  const m = REFERENCE.exec(s);
  if (!m) {
    const repo = s.split(/[:@]/, 1)[0] ?? '';
    if (/[A-Z]/.test(repo.split('/').slice(-1)[0] ?? '')) return 'repository name must be lowercase';
    return 'not a valid image reference (expected [registry/]name[:tag][@sha256:digest], e.g. docker.io/library/nginx:1.27)';
  }
  if ((m[1] ?? '').length > 255) return 'repository name must be at most 255 characters';
  const digest = m[3];
  if (digest?.startsWith('sha256:') && digest.length !== 7 + 64) return 'sha256 digest must have 64 hex digits';
  return undefined;
}

function portProblem(p: string): boolean {
  const n = Number(p);
  return !/^\d{1,5}$/.test(p) || n < 1 || n > 65535;
}

/** Port publication: [HOST_IP:]HOST:CONTAINER[/tcp|udp|sctp] or CONTAINER[/proto]. */
export function portMappingProblem(s: string): Problem {
  const usage = 'must look like "8080:80/tcp" ([HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp|sctp])';
  let rest = s;
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    proto = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
    if (!['tcp', 'udp', 'sctp'].includes(proto)) return `protocol must be tcp, udp or sctp (is "${proto}")`;
  }
  let hostIp: string | undefined;
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']:');
    if (end < 0) return usage;
    hostIp = rest.slice(1, end);
    rest = rest.slice(end + 2);
    if (ipProblem(hostIp, 6)) return `"${hostIp}" is not an IPv6 address`;
  }
  const parts = rest.split(':');
  if (hostIp === undefined && parts.length === 3) {
    hostIp = parts.shift();
    if (hostIp === undefined || ipProblem(hostIp, 4)) return `"${hostIp ?? ''}" is not an IPv4 address`;
  }
  if (parts.length > 2 || parts.length === 0) return usage;
  for (const p of parts) if (portProblem(p)) return `port "${p}" must be a number from 1 to 65535`;
  return undefined;
}

/** Container volume: SOURCE:TARGET[:ro|rw], SOURCE an LV name or an absolute host path. */
export function containerVolumeProblem(s: string): Problem {
  const parts = s.split(':');
  if (parts.length < 2 || parts.length > 3) return 'must look like "data:/var/lib/app" or "/srv/x:/x:ro" (SOURCE:TARGET[:ro|rw])';
  const [source = '', target = '', opt] = parts;
  if (source.startsWith('/')) {
    if (absolutePathProblem(source)) return `source "${source}" must be a clean absolute path`;
  } else if (lvNameProblem(source)) {
    return `source "${source}" must be a logical volume name or an absolute path`;
  }
  if (absolutePathProblem(target)) return `target "${target}" must be a clean absolute path`;
  if (opt !== undefined && opt !== 'ro' && opt !== 'rw') return `option must be ro or rw (is "${opt}")`;
  return undefined;
}

export function absolutePathProblem(s: string): Problem {
  if (!s.startsWith('/')) return 'must be an absolute path';
  if (/\p{Cc}/u.test(s)) return 'must not contain control characters (tabs, line breaks, NUL)';
  const parts = s.split('/').slice(1);
  if (s !== '/' && parts.some((p) => p === '')) return 'must not contain "//" or end with "/"';
  if (parts.some((p) => p === '..' || p === '.')) return 'must not contain "." or ".." components';
  return undefined;
}

export const FILE_ROOTS = ['/etc', '/home', '/var', '/opt'] as const;

/** files[].path: absolute, clean, and only under /etc, /home, /var or /opt. */
export function seedFilePathProblem(s: string): Problem {
  const p = absolutePathProblem(s);
  if (p) return p;
  if (!FILE_ROOTS.some((r) => s.startsWith(`${r}/`))) return 'must be under /etc, /home, /var or /opt';
  return undefined;
}

/** Octal mode string: '0644', '0755', '0600' (3 or 4 octal digits). */
export function fileModeProblem(s: string): Problem {
  return /^[0-7]{3,4}$/.test(s) ? undefined : "must be an octal string like '0644' (quote it in YAML)";
}

export function ownerProblem(s: string): Problem {
  const ok = s.split(':').length <= 2 && s.split(':').every((p) => /^[a-z_][a-z0-9_-]{0,31}$/.test(p) || /^\d{1,10}$/.test(p));
  return ok ? undefined : 'must be USER or USER:GROUP (names or numeric ids)';
}

export function envNameProblem(s: string): Problem {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? undefined : 'environment variable names hold only letters, digits and "_", not starting with a digit';
}

export function containerNameProblem(s: string): Problem {
  return /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/.test(s) ? undefined : 'must start with a letter or digit and hold only letters, digits, _ . -';
}

export function httpsUrlProblem(s: string): Problem {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return 'must be a URL like https://updates.example.com';
  }
  if (/[\s\p{Cc}]/u.test(s)) return 'must not contain blanks or control characters (percent-encode them)';
  if (!/^https:\/\//i.test(s) || u.protocol !== 'https:') return 'must use https://';
  if (u.username !== '' || u.password !== '') return 'must not carry a user name or password';
  return undefined;
}

export function channelProblem(s: string): Problem {
  return /^[a-z0-9][a-z0-9._-]{0,63}$/.test(s) ? undefined : 'must be a channel name like stable or beta (a-z, 0-9, . _ -)';
}

/** Strict standard base64 (with padding). */
export function base64Problem(s: string): Problem {
  const t = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0 || Buffer.from(t, 'base64').toString('base64') !== t) {
    return 'is not valid base64';
  }
  return undefined;
}
