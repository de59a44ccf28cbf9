/**
 * Saved configs ("presets") for reuse, e.g. a factory line's template. A preset is stored with
 * its secrets already hashed or derived (never a clear password, passphrase or serial key),
 * templates kept, in `<dir>/<name>.yaml`, file mode 0600 in a 0700 directory, written
 * atomically (temp file, fsync, rename, fsync of the directory).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FlashError, sysCode } from '../../flasher/errors.js';
import { hashSecrets, hasClearSecret } from './hash-secrets.js';
import { configInvalid } from './issues.js';
import { prepareConfig } from './render.js';
import { parseConfigText } from './validate.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;
const EXT = '.yaml';
const HEADER = '# 3os Flasher preset (config schema v1). Secrets are stored hashed or derived.\n';

export function presetNameProblem(name: string): string | undefined {
  if (!NAME_RE.test(name) || name.endsWith('.') || name.endsWith(' ')) {
    return 'preset names are 1-64 letters, digits, spaces, "_", "." or "-", starting with a letter or digit';
  }
  return undefined;
}

function checkName(name: string): void {
  const p = presetNameProblem(name);
  if (p) throw configInvalid([{ path: [], message: p }], `preset name "${name}"`);
}

/** Validate the same way a batch would (templates filled with a sample device). */
function validateTemplate(raw: unknown, what: string): void {
  prepareConfig(raw, { device: { index: 1, serial: 'SAMPLE0001' }, what });
}

/** Save `input` (YAML/JSON text or parsed config, templates allowed) as preset `name`. */
export async function savePreset(dir: string, name: string, input: unknown): Promise<string> {
  checkName(name);
  const raw = typeof input === 'string' ? parseConfigText(input, `preset "${name}"`) : input;
  validateTemplate(raw, `preset "${name}"`);
  const stored = hashSecrets(raw);
  if (hasClearSecret(stored)) throw new Error('bug: a clear secret survived hashing');
  const text = HEADER + stringify(stored, { version: '1.1', lineWidth: 0 });

  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = join(dir, name + EXT);
  const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new FlashError('E_CONFIG_INVALID', `cannot save preset "${name}" in ${dir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
  return file;
}

/** Load preset `name`: the parsed config (stored form, templates kept), validated. */
export async function loadPreset(dir: string, name: string): Promise<unknown> {
  checkName(name);
  const file = join(dir, name + EXT);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (sysCode(e) === 'ENOENT') throw new FlashError('E_USAGE', `no preset named "${name}" in ${dir}`);
    throw e;
  }
  const raw = parseConfigText(text, `preset "${name}"`);
  validateTemplate(raw, `preset "${name}"`);
  return raw;
}

export interface PresetInfo {
  readonly name: string;
  readonly path: string;
  readonly modified: Date;
}

/** Presets in `dir`, sorted by name (an absent directory has none). */
export async function listPresets(dir: string): Promise<PresetInfo[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if (sysCode(e) === 'ENOENT') return [];
    throw e;
  }
  const out: PresetInfo[] = [];
  for (const f of names.sort()) {
    if (!f.endsWith(EXT) || f.startsWith('.')) continue;
    const name = f.slice(0, -EXT.length);
    if (presetNameProblem(name)) continue;
    const st = await stat(join(dir, f));
    if (st.isFile()) out.push({ name, path: join(dir, f), modified: st.mtime });
  }
  return out;
}
