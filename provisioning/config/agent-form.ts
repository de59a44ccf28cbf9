/**
 * The agent form `3os/config.agent`: what the device's POSIX-shell agent applies without a
 * YAML parser. Format (docs/config-agent-format.md): UTF-8, LF, first line
 * `# 3os-agent-config v1`, then `key=value` lines (key `[a-z0-9_.]+`, value = standard base64
 * of the UTF-8 value), last line `digest=<sha256 hex of the exact config.yaml bytes>`.
 */
import { createHash } from 'node:crypto';
import { FlashError } from '../../flasher/errors.js';
import { renderNetplan, renderWpaSupplicant, simpleInterfaces, wifiCountry } from './render-network.js';
import { piHardwareLines } from './pi-hardware.js';
import type { Config } from './schema.js';

export const AGENT_HEADER = '# 3os-agent-config v1';
const KEY_RE = /^[a-z0-9_.]+$/;

export interface AgentForm {
  /** Values decoded as UTF-8, in file order (binary file contents: see `raw`). */
  readonly values: ReadonlyMap<string, string>;
  /** The exact value bytes, in file order. */
  readonly raw: ReadonlyMap<string, Buffer>;
  /** sha256 hex of the config.yaml it was made from. */
  readonly digest: string;
}

/** Values of the agent form for a stored config (secrets already hashed/derived). */
export function agentValues(c: Config): Array<[string, string]> {
  const v: Array<[string, string]> = [];
  const put = (k: string, x: string | boolean | number | undefined): void => {
    if (x !== undefined) v.push([k, String(x)]);
  };
  put('hostname', c.hostname);
  put('timezone', c.timezone);
  put('locale', c.locale);
  put('keyboard.layout', c.keyboard?.layout);
  put('keyboard.variant', c.keyboard?.variant);
  put('ssh.enabled', c.ssh?.enabled);
  put('ssh.password_authentication', c.ssh?.password_authentication);
  if (c.users) {
    put('users.count', c.users.length);
    c.users.forEach((u, n) => {
      put(`users.${n}.name`, u.name);
      put(`users.${n}.password_hash`, u.password_hash);
      put(`users.${n}.groups`, u.groups?.join(','));
      put(`users.${n}.sudo`, u.sudo);
      put(`users.${n}.shell`, u.shell);
      put(`users.${n}.ssh_authorized_keys`, u.ssh_authorized_keys?.map((k) => k.trim()).join('\n'));
    });
  }
  if (c.network) {
    put('network.netplan', renderNetplan(c.network));
    const ifs = simpleInterfaces(c.network);
    put('net.count', ifs.length);
    ifs.forEach((i, n) => {
      put(`net.${n}.type`, i.type);
      put(`net.${n}.iface`, i.iface);
      put(`net.${n}.macaddress`, i.macaddress);
      put(`net.${n}.dhcp4`, i.dhcp4);
      put(`net.${n}.dhcp6`, i.dhcp6);
      if (i.addresses.length > 0) put(`net.${n}.addresses`, i.addresses.join(' '));
      put(`net.${n}.gateway4`, i.gateway4);
      if (i.dns.length > 0) put(`net.${n}.dns`, i.dns.join(' '));
      if (i.routes.length > 0) put(`net.${n}.routes`, i.routes.join('\n'));
    });
    const country = wifiCountry(c.network);
    put('wifi.country', country);
    put('wifi.wpa_supplicant', renderWpaSupplicant(c.network, country));
  }
  if (c.containers) {
    put('containers.count', c.containers.length);
    c.containers.forEach((k, n) => {
      put(`containers.${n}.name`, k.name);
      put(`containers.${n}.image`, k.image);
      if (k.ports?.length) put(`containers.${n}.ports`, k.ports.join('\n'));
      if (k.volumes?.length) put(`containers.${n}.volumes`, k.volumes.join('\n'));
      if (k.env && Object.keys(k.env).length > 0) put(`containers.${n}.env`, Object.entries(k.env).map(([a, b]) => `${a}=${b}`).join('\n'));
      put(`containers.${n}.restart`, k.restart);
    });
  }
  if (c.update) {
    put('update.channel', c.update.channel);
    put('update.server', c.update.server);
    put('update.auto_rollback', c.update.auto_rollback);
  }
  if (c.serial_provisioning) {
    put('serial.lock', c.serial_provisioning.lock ?? false);
    put('serial.salt', c.serial_provisioning.key_salt);
    put('serial.key', c.serial_provisioning.key_derived);
  }
  if (c.storage) put('storage.json', JSON.stringify(c.storage));
  // the config.txt lines themselves (one home: pi-hardware.ts); the agent checks and places them
  if (c.raspberry_pi) put('rpi.hardware', piHardwareLines(c.raspberry_pi).join('\n'));
  return v;
}

/** File contents are raw bytes (contents_base64 passes through undecoded-then-reencoded). */
function fileLines(c: Config): string[] {
  if (!c.files) return [];
  const lines = [line('files.count', String(c.files.length))];
  c.files.forEach((f, n) => {
    lines.push(line(`files.${n}.path`, f.path), line(`files.${n}.mode`, f.mode.padStart(4, '0')));
    if (f.owner !== undefined) lines.push(line(`files.${n}.owner`, f.owner));
    const bytes = f.contents_base64 !== undefined ? Buffer.from(f.contents_base64.replace(/\s+/g, ''), 'base64') : Buffer.from(f.contents ?? '', 'utf8');
    lines.push(`files.${n}.contents=${bytes.toString('base64')}`);
  });
  return lines;
}

function line(key: string, value: string): string {
  return `${key}=${Buffer.from(value, 'utf8').toString('base64')}`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The agent form text for a stored config and the exact config.yaml text it goes with. */
export function renderAgentForm(c: Config, configYaml: string): string {
  const lines = [AGENT_HEADER, ...agentValues(c).map(([k, x]) => line(k, x))];
  lines.push(...fileLines(c));
  lines.push(`digest=${sha256Hex(Buffer.from(configYaml, 'utf8'))}`);
  return `${lines.join('\n')}\n`;
}

function bad(msg: string): FlashError {
  return new FlashError('E_CONFIG_INVALID', `config.agent: ${msg}`, { phase: 'seed' });
}

/** Parse and check an agent form (header, key syntax, base64, UTF-8, digest line). */
export function parseAgentForm(text: string): AgentForm {
  if (text.includes('\r')) throw bad('must use LF line endings');
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  if (lines[0] !== AGENT_HEADER) throw bad(`first line must be "${AGENT_HEADER}"`);
  const last = lines[lines.length - 1] ?? '';
  const d = /^digest=([0-9a-f]{64})$/.exec(last);
  if (lines.length < 2 || !d?.[1]) throw bad('last line must be digest=<64 hex digits>');
  const values = new Map<string, string>();
  const raw = new Map<string, Buffer>();
  for (let i = 1; i < lines.length - 1; i++) {
    const l = lines[i] ?? '';
    const eq = l.indexOf('=');
    const key = l.slice(0, eq);
    const b64 = l.slice(eq + 1);
    if (eq <= 0 || !KEY_RE.test(key)) throw bad(`line ${i + 1}: expected key=value with key of [a-z0-9_.]`);
    if (key === 'digest') throw bad(`line ${i + 1}: digest must be the last line`);
    if (values.has(key)) throw bad(`line ${i + 1}: duplicate key ${key}`);
    const buf = Buffer.from(b64, 'base64');
    if (buf.toString('base64') !== b64) throw bad(`line ${i + 1}: value of ${key} is not standard padded base64`);
    const s = buf.toString('utf8');
    if (!key.endsWith('.contents') && Buffer.from(s, 'utf8').compare(buf) !== 0) throw bad(`line ${i + 1}: value of ${key} is not UTF-8`);
    values.set(key, s);
    raw.set(key, buf);
  }
  return { values, raw, digest: d[1] };
}

/** True when the agent form was made from exactly these config.yaml bytes. */
export function agentDigestMatches(form: AgentForm, configYaml: string | Uint8Array): boolean {
  return sha256Hex(typeof configYaml === 'string' ? Buffer.from(configYaml, 'utf8') : configYaml) === form.digest;
}
