/**
 * Byte counts as people read and write them, for every layer: the engine's messages, the CLI and
 * the app's pages show sizes with humanBytes, and sizes typed by people (LV sizes, the cache
 * limit) are read with parseBytes. Pure and dependency-free: common/ sits below flasher/, and the
 * renderer may import it too.
 *
 * Decision: binary (IEC) units everywhere, labelled as such (KiB, MiB, GiB: what lsblk, LVM and
 * partition tools count in), three significant digits, exact below 1 KiB. A "32 GB" card shows as
 * "29.7 GiB" in the list, in the CLI and in a "too small" message alike.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/** 0 -> "0 B", 1023 -> "1023 B", 1536 -> "1.50 KiB", 32 GiB -> "32.0 GiB", 256 GiB -> "256 GiB". */
export function humanBytes(n: number): string {
  if (!Number.isFinite(n)) return '?';
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const sign = n < 0 ? '-' : '';
  if (u === 0) return `${sign}${Math.round(v)} B`;
  // 1023.9 KiB would print as "1024 KiB": round first, then move up a unit if it got there.
  if (Number(v.toFixed(0)) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${sign}${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${UNITS[u]}`;
}

/** Bytes per second as text ("12.3 MiB/s"). */
export function humanRate(bytesPerSecond: number): string {
  return `${humanBytes(bytesPerSecond)}/s`;
}

const POWER: Readonly<Record<string, number>> = { k: 1, m: 2, g: 3, t: 4, p: 5 };
const UNIT_RE = /^(\d+(?:\.\d+)?)([kmgtp])(?:i?b)?$/i;
const BYTES_RE = /^(\d+)b$/i;

/**
 * A size with a unit, as people type it: `NUMBER UNIT` with UNIT one of K, M, G, T, P, optionally
 * followed by `iB` or `B`, any case, always powers of 1024 (`2G` = `2GiB` = `2GB`; as lvcreate -L
 * reads them), rounded up to whole bytes; or `DIGITS B` for bytes. No blanks, signs or exponents.
 * Undefined when the text is not such a size or is more than 2^53 - 1 bytes.
 */
export function parseBytes(text: string): number | undefined {
  const b = BYTES_RE.exec(text);
  const u = b === null ? UNIT_RE.exec(text) : null;
  let bytes: number;
  if (b !== null) bytes = Number(b[1]);
  else if (u !== null) bytes = Math.ceil(Number(u[1]) * 1024 ** (POWER[(u[2] ?? '').toLowerCase()] ?? 0));
  else return undefined;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
