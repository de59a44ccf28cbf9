/**
 * The keys the app trusts: the public keys shipped in assets/catalog/keys/*.pub, plus any the user
 * adds (settings, or `--trusted-key FILE|BASE64` on the CLI). Signatures by any other key are
 * refused (E_UNTRUSTED_KEY); a catalog cannot bring its own keys.
 */
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlashError, sysCode } from '../errors.js';
import { parsePublicKey, type PublicKey } from './minisign.js';

/** assets/catalog, found from this module both in the source tree and in dist/. */
export function assetsCatalogDir(): string {
  for (const rel of ['../../assets/catalog', '../../../assets/catalog']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'catalog.json'))) return dir;
  }
  return fileURLToPath(new URL('../../assets/catalog', import.meta.url));
}

/** The bundled default catalog (trusted as part of the app, like the keys beside it). */
export function bundledCatalogPath(): string {
  return join(assetsCatalogDir(), 'catalog.json');
}

/** Read one key: a .pub file, or the bare base64 public key (as `minisign -P` takes it). */
export async function readKey(spec: string): Promise<PublicKey> {
  if (/^RW[A-Za-z0-9+/]{54}$/.test(spec.trim())) return parsePublicKey(spec, 'inline key');
  let text: string;
  try {
    text = await fsp.readFile(spec, 'utf8');
  } catch (e) {
    throw new FlashError('E_USAGE', `cannot read the public key ${spec}: ${sysCode(e) ?? String(e)}`);
  }
  return parsePublicKey(text, spec);
}

/** The bundled keys plus `extra` (files or base64 keys). */
export async function loadTrustedKeys(extra: readonly string[] = [], opts: { bundled?: boolean } = {}): Promise<PublicKey[]> {
  const keys: PublicKey[] = [];
  if (opts.bundled !== false) {
    const dir = join(assetsCatalogDir(), 'keys');
    const names = (await fsp.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.pub')).sort();
    for (const n of names) keys.push(parsePublicKey(await fsp.readFile(join(dir, n), 'utf8'), join(dir, n)));
  }
  for (const s of extra) keys.push(await readKey(s));
  return keys;
}
