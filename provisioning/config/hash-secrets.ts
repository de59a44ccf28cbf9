/**
 * Turn the clear secrets of a config into their stored form, on the raw tree (so it works on
 * templates for presets as well as on validated configs):
 * users[].password -> password_hash ($6$, fresh 16-character salt), Wi-Fi password -> psk
 * (64 hex), serial_provisioning.key -> key_salt + key_derived. The input is not changed.
 */
import { deriveSerialKey, wifiPsk } from './secrets.js';
import { sha512Crypt } from './sha512-crypt.js';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Rebuild `obj` with `key` replaced by `fields`, at the same position (stable key order). */
function replaceKey(obj: Rec, key: string, fields: Rec): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === key) Object.assign(out, fields);
    else if (!(k in fields)) out[k] = v;
  }
  return out;
}

export function hashSecrets(raw: unknown): unknown {
  if (!isRec(raw)) return raw;
  const out: Rec = structuredClone(raw);
  if (Array.isArray(out.users)) {
    out.users = out.users.map((u: unknown) =>
      isRec(u) && typeof u.password === 'string' ? replaceKey(u, 'password', { password_hash: sha512Crypt(u.password) }) : u,
    );
  }
  const net = out.network;
  if (isRec(net) && isRec(net.wifis)) {
    for (const wifi of Object.values(net.wifis)) {
      if (!isRec(wifi) || !isRec(wifi['access-points'])) continue;
      const aps = wifi['access-points'];
      for (const [ssid, ap] of Object.entries(aps)) {
        if (isRec(ap) && typeof ap.password === 'string') aps[ssid] = replaceKey(ap, 'password', { psk: wifiPsk(ssid, ap.password) });
      }
    }
  }
  const serial = out.serial_provisioning;
  if (isRec(serial) && typeof serial.key === 'string') {
    const d = deriveSerialKey(serial.key);
    out.serial_provisioning = replaceKey(serial, 'key', { key_salt: d.salt, key_derived: d.key });
  }
  return out;
}

/** True when the tree still holds a clear secret (used to refuse writing one by mistake). */
export function hasClearSecret(raw: unknown): boolean {
  if (!isRec(raw)) return false;
  if (Array.isArray(raw.users) && raw.users.some((u) => isRec(u) && u.password !== undefined)) return true;
  const net = raw.network;
  if (isRec(net) && isRec(net.wifis)) {
    for (const w of Object.values(net.wifis)) {
      if (isRec(w) && isRec(w['access-points']) && Object.values(w['access-points']).some((ap) => isRec(ap) && ap.password !== undefined)) return true;
    }
  }
  return isRec(raw.serial_provisioning) && raw.serial_provisioning.key !== undefined;
}
