// Templates, CSV (RFC 4180) and batches: per-device values, overrides, and every error at once.
import { describe, expect, it } from 'vitest';
import { renderBatch } from '../../../../provisioning/config/batch.js';
import { parseCsv } from '../../../../provisioning/config/csv.js';
import { configIssuesOf, formatIssue } from '../../../../provisioning/config/issues.js';
import { expandTemplates, hostnameSafeSerial } from '../../../../provisioning/config/templates.js';
import { verifySha512Crypt } from '../../../../provisioning/config/sha512-crypt.js';

const DATE = new Date(2026, 2, 9, 12, 0, 0);

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    const list = configIssuesOf(e).map(formatIssue);
    if (list.length === 0) throw e;
    return list;
  }
  return [];
}

describe('templates', () => {
  const ctx = { index: 7, serial: 'SN 0042/AB', date: DATE };
  it.each([
    ['edge-{index}', 'edge-7'],
    ['edge-{index:03}', 'edge-007'],
    ['n{index:05}', 'n00007'],
    ['{serial}', 'sn-0042-ab'],
    ['site-{date}-{index:02}', 'site-20260309-07'],
    ['plain', 'plain'],
  ])('hostname %s -> %s', (tpl, out) => {
    expect(expandTemplates({ hostname: tpl }, ctx)).toEqual({ value: { hostname: out }, issues: [] });
  });

  it('other fields: serial kept readable, escapes, ${...} and file contents untouched', () => {
    const r = expandTemplates({
      containers: [{ env: { ID: '{serial}', LIT: '{{index}}', SH: '${HOME}' } }],
      files: [{ contents: '{"json": "{index}"}' }],
      users: [{ password: 'p{index}' }],
    }, ctx);
    expect(r.issues).toEqual([]);
    expect(r.value).toEqual({
      containers: [{ env: { ID: 'SN-0042-AB', LIT: '{index}', SH: '${HOME}' } }],
      files: [{ contents: '{"json": "{index}"}' }],
      users: [{ password: 'p{index}' }],
    });
  });

  it('unknown variables and formats are errors (with a suggestion)', () => {
    const r = expandTemplates({ hostname: 'edge-{indx}', locale: '{index:3}', timezone: '{serial:x}' }, ctx);
    expect(r.issues.map(formatIssue)).toEqual([
      'hostname: unknown template variable {indx} (did you mean "index"?) (known: {index}, {index:03}, {serial}, {date})',
      'locale: unknown format {index:3} (only {index:0N}, e.g. {index:03}, is supported)',
      'timezone: unknown format {serial:x} (only {index:0N}, e.g. {index:03}, is supported)',
    ]);
  });

  it('serial missing is an error; sanitizing is hostname-safe', () => {
    expect(expandTemplates({ hostname: '{serial}' }, { index: 2, date: DATE }).issues.map(formatIssue)).toEqual([
      'hostname: uses {serial} but device 2 has no known serial number',
    ]);
    expect(hostnameSafeSerial('--ABC__def..1--')).toBe('abc-def-1');
  });
});

describe('parseCsv (RFC 4180)', () => {
  it('parses quotes, escaped quotes, commas and newlines in fields, CRLF, BOM', () => {
    expect(parseCsv('\uFEFFa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"multi\nline",\r\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'multi\nline', ''],
    ]);
    expect(parseCsv('h\nv')).toEqual([['h'], ['v']]);
  });
  it('refuses an unclosed quote and stray quotes', () => {
    expect(() => parseCsv('a\n"open\n')).toThrow(/line 2: quoted field is never closed/);
    expect(() => parseCsv('a\n"x"y\n')).toThrow(/text after a closing quote/);
    expect(() => parseCsv('a\nx"y\n')).toThrow(/a quote inside an unquoted field/);
  });
});

const TEMPLATE = `
version: 1
hostname: edge-{index:03}
users:
  - name: ops
    password: factory-default
network:
  version: 2
  ethernets:
    eth0:
      dhcp4: true
`;

describe('renderBatch', () => {
  const devices = [{ index: 1, serial: 'AAA1' }, { index: 2, serial: 'BBB2' }, { index: 3 }];

  it('one config per device with its own hostname and its own salt', () => {
    const out = renderBatch(TEMPLATE, devices, undefined, { date: DATE });
    expect(out.map((o) => o.rendered.config.hostname)).toEqual(['edge-001', 'edge-002', 'edge-003']);
    const hashes = out.map((o) => o.rendered.config.users?.[0]?.password_hash ?? '');
    expect(new Set(hashes).size).toBe(3);
    for (const h of hashes) expect(verifySha512Crypt('factory-default', h)).toBe(true);
  });

  it('CSV rows override the template per device (typed by the schema)', () => {
    const csv = [
      'hostname,users.0.password,network.ethernets.eth0.dhcp4,network.ethernets.eth0.addresses.0,users.0.groups.0',
      'gw-north,,false,10.0.0.11/24,wheel',
      ',per-device-pw,,,',
      'gw-south,,true,,',
    ].join('\n');
    const out = renderBatch(TEMPLATE, devices, csv, { date: DATE });
    const c = out.map((o) => o.rendered.config);
    expect(c.map((x) => x.hostname)).toEqual(['gw-north', 'edge-002', 'gw-south']);
    expect(c[0]?.network?.ethernets?.eth0).toEqual({ dhcp4: false, addresses: ['10.0.0.11/24'] });
    expect(c[0]?.users?.[0]?.groups).toEqual(['wheel']);
    expect(verifySha512Crypt('per-device-pw', c[1]?.users?.[0]?.password_hash ?? '')).toBe(true);
    expect(verifySha512Crypt('factory-default', c[2]?.users?.[0]?.password_hash ?? '')).toBe(true);
    expect(c[2]?.network?.ethernets?.eth0).toEqual({ dhcp4: true });
  });

  it('row count mismatch, unknown and non-scalar columns are reported together', () => {
    const csv = 'hostnmae,users.0.pasword,users,users.0.name\nx,y,z,w\n';
    expect(issuesOf(() => renderBatch(TEMPLATE, devices, csv))).toEqual([
      'CSV column "hostnmae": unknown field "hostnmae" (did you mean "hostname"?)',
      'CSV column "users.0.pasword": unknown field "pasword" in users[0] (did you mean "password"?)',
      'CSV column "users": is a list or mapping: name one value (e.g. users.0.groups.0)',
      'CSV has 1 data row but there are 3 devices (one row per device, in order)',
    ]);
  });

  it('duplicate hostnames are refused, all of them listed', () => {
    const csv = 'hostname\nsame\nsame\nsame\n';
    expect(issuesOf(() => renderBatch(TEMPLATE, devices, csv))).toEqual([
      'batch: hostname: "same" is used by device 1 (serial AAA1), device 2 (serial BBB2), device 3',
    ]);
    expect(issuesOf(() => renderBatch({ version: 1, hostname: 'fixed' }, devices.slice(0, 2)))).toEqual([
      'batch: hostname: "fixed" is used by device 1 (serial AAA1), device 2 (serial BBB2)',
    ]);
  });

  it('problems of every device are reported at once', () => {
    const csv = 'hostname,network.ethernets.eth0.addresses.0\nok-1,10.0.0.1/24\nbad_name,10.0.0.2\nok-3,10.0.0.3/24\n';
    expect(issuesOf(() => renderBatch(TEMPLATE, devices, csv))).toEqual([
      'device 2 (serial BBB2): hostname: label "bad_name" may hold only letters, digits and inner hyphens (RFC 1123)',
      'device 2 (serial BBB2): network.ethernets.eth0.addresses[0]: must be an address with a prefix length, like 192.168.1.10/24 or 2001:db8::5/64',
    ]);
  });

  it('{serial} without a serial and unknown variables are errors', () => {
    expect(issuesOf(() => renderBatch({ version: 1, hostname: 'n-{serial}', locale: '{lang}' }, devices))).toEqual([
      'device 1 (serial AAA1): locale: unknown template variable {lang} (known: {index}, {index:03}, {serial}, {date})',
      'device 2 (serial BBB2): locale: unknown template variable {lang} (known: {index}, {index:03}, {serial}, {date})',
      'device 3: hostname: uses {serial} but device 3 has no known serial number',
      'device 3: locale: unknown template variable {lang} (known: {index}, {index:03}, {serial}, {date})',
    ]);
  });
});
