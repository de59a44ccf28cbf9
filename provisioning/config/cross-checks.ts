/**
 * Rules that tie fields together (one of password/password_hash, unique names, SSID limits,
 * route families, ...). They run on the raw parsed input, independently of the zod pass, so a
 * config with a type error elsewhere still gets every other problem reported at once.
 */
import type { ConfigIssue, PathSegment } from './issues.js';
import { ssidProblem } from './secrets.js';
import { cidrProblem, envNameProblem, interfaceNameProblem, ipFamily } from './validators.js';
import { parseSize } from './storage-rules.js';

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const recs = (v: unknown): Array<[number, Rec]> => (Array.isArray(v) ? v.flatMap((x, i): Array<[number, Rec]> => (isRec(x) ? [[i, x]] : [])) : []);
const entries = (v: unknown): Array<[string, Rec]> => (isRec(v) ? Object.entries(v).flatMap(([k, x]): Array<[string, Rec]> => (isRec(x) ? [[k, x]] : [])) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

class Collector {
  public readonly issues: ConfigIssue[] = [];
  public add(path: readonly PathSegment[], message: string): void {
    this.issues.push({ path, message });
  }
  /** Report every later occurrence of a value already seen. */
  public unique(items: Array<{ path: PathSegment[]; value: string | undefined }>, what: string): void {
    const first = new Map<string, PathSegment[]>();
    for (const { path, value } of items) {
      if (value === undefined) continue;
      const prev = first.get(value);
      if (prev) this.add(path, `duplicate ${what} "${value}" (also at ${prev.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[')})`);
      else first.set(value, path);
    }
  }
}

/** The cross-field rules of the `storage:` section alone (also what a --policy file gets). */
export function crossCheckStorage(storage: unknown): ConfigIssue[] {
  const c = new Collector();
  checkStorageSection(storage, c);
  return c.issues;
}

function checkStorageSection(storage: unknown, c: Collector): void {
  if (isRec(storage)) checkStorage(storage.volumes, c);
}

export function crossCheck(raw: unknown): ConfigIssue[] {
  const c = new Collector();
  if (!isRec(raw)) return c.issues;
  checkUsers(raw.users, c);
  if (isRec(raw.network)) checkNetwork(raw.network, c);
  checkStorageSection(raw.storage, c);
  checkContainers(raw.containers, c);
  checkFiles(raw.files, c);
  if (isRec(raw.serial_provisioning)) checkSerial(raw.serial_provisioning, c);
  return c.issues;
}

function checkUsers(users: unknown, c: Collector): void {
  const list = recs(users);
  for (const [i, u] of list) {
    if (u.password !== undefined && u.password_hash !== undefined) {
      c.add(['users', i, 'password'], 'give either password or password_hash, not both');
    }
  }
  c.unique(list.map(([i, u]) => ({ path: ['users', i, 'name'], value: str(u.name) })), 'user name');
}

function checkNetwork(net: Rec, c: Collector): void {
  const names: Array<{ path: PathSegment[]; value: string | undefined }> = [];
  const domains = new Map<string, PathSegment[]>();
  for (const kind of ['ethernets', 'wifis'] as const) {
    for (const [name, iface] of entries(net[kind])) {
      const base: PathSegment[] = ['network', kind, name];
      const hasMatch = isRec(iface.match);
      if (!hasMatch) {
        const p = interfaceNameProblem(name);
        if (p) c.add(base, `interface name ${p} (or give match: to use it as a label)`);
      } else if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
        c.add(base, 'id must hold only letters, digits and _ . -');
      }
      names.push({ path: base, value: name });
      checkRoutes(iface, base, c);
      if (kind === 'wifis') {
        const rd = str(iface['regulatory-domain']);
        if (rd !== undefined) domains.set(rd, [...base, 'regulatory-domain']);
        for (const [ssid, ap] of entries(iface['access-points'])) {
          const apPath = [...base, 'access-points', ssid];
          const p = ssidProblem(ssid);
          if (p) c.add(apPath, p);
          if (ap.password !== undefined && ap.psk !== undefined) c.add([...apPath, 'password'], 'give either password or psk, not both');
        }
      }
    }
  }
  c.unique(names, 'interface');
  if (domains.size > 1) {
    const [, path] = [...domains.entries()][1] ?? [];
    if (path) c.add(path, `all wifis must use one regulatory-domain (found ${[...domains.keys()].join(', ')})`);
  }
}

function checkRoutes(iface: Rec, base: PathSegment[], c: Collector): void {
  for (const [i, r] of recs(iface.routes)) {
    const to = str(r.to);
    const via = str(r.via);
    if (to === undefined || via === undefined || to === 'default') continue;
    const ft = ipFamily(to);
    const fv = ipFamily(via);
    if (ft !== undefined && fv !== undefined && ft !== fv) c.add([...base, 'routes', i, 'via'], `IPv${fv} gateway for an IPv${ft} destination`);
  }
  const addresses = Array.isArray(iface.addresses) ? iface.addresses : [];
  if (iface.gateway4 !== undefined && iface.dhcp4 !== true && !addresses.some((a) => typeof a === 'string' && ipFamily(a) === 4)) {
    c.add([...base, 'gateway4'], 'needs an IPv4 address in addresses (or dhcp4: true)');
  }
  // A nameserver or gateway of a family the interface does not configure is one NetworkManager
  // refuses (ipv6.dns is "not allowed for method=ignore"), and no address of that family can reach it.
  // (An address the schema refuses already has its own problem: no second one about its family.)
  const unreadable = addresses.some((a) => typeof a !== 'string' || cidrProblem(a) !== undefined);
  const configured = (fam: 4 | 6): boolean => unreadable || iface[`dhcp${fam}`] === true || addresses.some((a) => typeof a === 'string' && ipFamily(a) === fam);
  const ns = isRec(iface.nameservers) ? iface.nameservers : {};
  (Array.isArray(ns.addresses) ? ns.addresses : []).forEach((a, i) => {
    const fam = typeof a === 'string' ? ipFamily(a) : undefined;
    if (fam !== undefined && !configured(fam)) c.add([...base, 'nameservers', 'addresses', i], `IPv${fam} nameserver needs an IPv${fam} address in addresses (or dhcp${fam}: true)`);
  });
  if (Array.isArray(ns.search) && ns.search.length > 0 && !configured(4) && !configured(6)) {
    c.add([...base, 'nameservers', 'search'], 'search domains need an address in addresses (or dhcp4/dhcp6: true)');
  }
  for (const [i, r] of recs(iface.routes)) {
    const fam = ipFamily(str(r.via) ?? '');
    if (fam !== undefined && !configured(fam)) c.add([...base, 'routes', i, 'via'], `IPv${fam} gateway needs an IPv${fam} address in addresses (or dhcp${fam}: true)`);
  }
}

function checkStorage(volumes: unknown, c: Collector): void {
  const list = recs(volumes);
  c.unique(list.map(([i, v]) => ({ path: ['storage', 'volumes', i, 'name'], value: str(v.name) })), 'volume name');
  c.unique(list.map(([i, v]) => ({ path: ['storage', 'volumes', i, 'mountpoint'], value: str(v.mountpoint) })), 'mountpoint');
  let percent = 0;
  for (const [i, v] of list) {
    const size = parseSize(str(v.size) ?? '');
    if (size?.kind === 'percentFree') percent += size.percent;
    if (v.create !== true && (v.filesystem !== undefined || v.mountpoint !== undefined)) {
      c.add(['storage', 'volumes', i, v.filesystem !== undefined ? 'filesystem' : 'mountpoint'], 'applies only to new volumes (set create: true)');
    }
  }
  if (percent > 100) c.add(['storage', 'volumes'], `the %FREE shares add up to ${percent}% (at most 100%)`);
}

function checkContainers(containers: unknown, c: Collector): void {
  const list = recs(containers);
  c.unique(list.map(([i, k]) => ({ path: ['containers', i, 'name'], value: str(k.name) })), 'container name');
  const hostPorts: Array<{ path: PathSegment[]; value: string | undefined }> = [];
  for (const [i, k] of list) {
    if (isRec(k.env)) {
      for (const [name, value] of Object.entries(k.env)) {
        const p = envNameProblem(name);
        if (p) c.add(['containers', i, 'env', name], p);
        if (typeof value === 'string' && /[\n\r\0]/.test(value)) c.add(['containers', i, 'env', name], 'must be one line (no line breaks or NUL)');
      }
    }
    if (Array.isArray(k.ports)) {
      k.ports.forEach((p, j) => {
        const m = typeof p === 'string' ? /^(?:(.*):)?(\d+):\d+(?:\/(\w+))?$/.exec(p) : null;
        if (m) hostPorts.push({ path: ['containers', i, 'ports', j], value: `${m[1] ?? '*'}:${m[2] ?? ''}/${m[3] ?? 'tcp'}` });
      });
    }
  }
  c.unique(hostPorts, 'published host port');
}

function checkFiles(files: unknown, c: Collector): void {
  const list = recs(files);
  for (const [i, f] of list) {
    const has = (f.contents !== undefined ? 1 : 0) + (f.contents_base64 !== undefined ? 1 : 0);
    if (has !== 1) c.add(['files', i], has === 0 ? 'needs contents or contents_base64' : 'give either contents or contents_base64, not both');
  }
  c.unique(list.map(([i, f]) => ({ path: ['files', i, 'path'], value: str(f.path) })), 'file path');
}

function checkSerial(s: Rec, c: Collector): void {
  const hasClear = s.key !== undefined;
  const hasSalt = s.key_salt !== undefined;
  const hasDerived = s.key_derived !== undefined;
  if (hasClear && (hasSalt || hasDerived)) c.add(['serial_provisioning', 'key'], 'give either key or key_salt + key_derived, not both');
  if (hasSalt !== hasDerived) c.add(['serial_provisioning', hasSalt ? 'key_derived' : 'key_salt'], 'key_salt and key_derived go together');
  if (s.lock === true && !hasClear && !hasDerived) c.add(['serial_provisioning', 'key'], 'lock: true needs a key (at least 12 characters)');
}

