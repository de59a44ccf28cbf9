/**
 * A config made safe to show (`inspect`, logs, the UI): password hashes, Wi-Fi PSKs and
 * passphrases, and serial key material replaced by a mask. Works on any form (input or stored).
 */

export const MASK = '********';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

const SECRET_KEYS = new Set(['password', 'password_hash', 'psk', 'key', 'key_salt', 'key_derived']);

/** Mask string values under secret-named keys (an SSID called "password" is a mapping, so kept). */
function maskTree(v: unknown, secretSection: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => maskTree(x, secretSection));
  if (!isRec(v)) return v;
  const out: Rec = {};
  for (const [k, x] of Object.entries(v)) {
    if (secretSection && SECRET_KEYS.has(k) && typeof x === 'string') out[k] = MASK;
    else out[k] = maskTree(x, secretSection);
  }
  return out;
}

/** Copy of `config` with every secret masked (hash prefix kept to show the scheme). */
export function maskSecrets<T>(config: T): T {
  if (!isRec(config)) return config;
  const out: Rec = {};
  for (const [k, v] of Object.entries(config)) {
    if (k === 'users' && Array.isArray(v)) {
      out[k] = (v as unknown[]).map((u): unknown => {
        if (!isRec(u)) return u;
        const m = { ...u };
        if (typeof m.password === 'string') m.password = MASK;
        if (typeof m.password_hash === 'string') m.password_hash = `${/^\$[0-9a-z]+\$/.exec(m.password_hash)?.[0] ?? ''}${MASK}`;
        return m;
      });
    } else if (k === 'network' || k === 'serial_provisioning') {
      out[k] = maskTree(v, true);
    } else {
      out[k] = v;
    }
  }
  return out as T;
}
