/**
 * 8.3 short names: validation of long names, basis-name generation and numeric tails.
 *
 * Every file on FAT has an 11-byte short name (8 + 3, space padded, upper case), and a long
 * (VFAT) name when the real name is not exactly such a short name. The basis name follows the
 * rules of Windows and Linux vfat: upper-case, drop spaces and all periods but the last one, map
 * characters that short names cannot hold to '_', keep 8 + 3 characters. Characters outside ASCII
 * are also mapped to '_' (they exist in no single OEM code page all readers share), which is the
 * spec's "lossy conversion". A lossy or truncated basis gets a numeric tail "~N" that makes the
 * short name unique in its directory, as Windows and Linux do.
 */

/** Characters a long name may not contain (besides control characters). */
const LONG_INVALID = new Set('"*/:<>?\\|');
/** ASCII characters allowed in a short name besides A-Z and 0-9. */
const SHORT_SPECIAL = new Set("!#$%&'()-@^_`{}~");

/** Why `name` cannot be a FAT file name, or undefined when it can. */
export function invalidLongName(name: string): string | undefined {
  if (name.length === 0) return 'empty name';
  if (name === '.' || name === '..') return `"${name}" is reserved`;
  if (name.length > 255) return 'longer than 255 characters';
  if ([...name].some((ch) => ch < ' ' || ch === '\u007f' || LONG_INVALID.has(ch))) return 'contains a character FAT does not allow (control, " * / : < > ? \\ |)';
  if (name.endsWith('.') || name.endsWith(' ')) return 'ends with a period or a space';
  return undefined;
}

function isShortChar(ch: string): boolean {
  return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || SHORT_SPECIAL.has(ch);
}

/** Pad base and extension into the 11-byte on-disk form. */
export function packShortName(base: string, ext: string): Buffer {
  const b = Buffer.alloc(11, 0x20);
  b.write(base, 0, 8, 'latin1');
  b.write(ext, 8, 3, 'latin1');
  return b;
}

/** The short name when `name` already is a valid upper-case 8.3 name (then no LFN is needed). */
export function exactShortName(name: string): Buffer | undefined {
  const dot = name.indexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || ext.length > 3 || (dot >= 0 && ext.length === 0)) return undefined;
  for (const ch of base + ext) if (!isShortChar(ch)) return undefined;
  return packShortName(base, ext);
}

export interface BasisName {
  readonly base: string;
  readonly ext: string;
  /** True when the basis does not say exactly what the long name says (a tail is required). */
  readonly lossy: boolean;
}

/** Map one character to its short-name form: upper-cased, or '_' when a short name cannot hold it. */
function shortChar(ch: string): { c: string; lossy: boolean } {
  const u = ch >= 'a' && ch <= 'z' ? ch.toUpperCase() : ch;
  if (isShortChar(u)) return { c: u, lossy: false };
  return { c: '_', lossy: true };
}

/** The basis name (before any numeric tail) of a long name. */
export function basisName(name: string): BasisName {
  let lossy = false;
  const lastDot = name.lastIndexOf('.');
  // A leading period (".bashrc") does not start an extension.
  const hasExt = lastDot > 0 && name.slice(0, lastDot).replace(/[. ]/gu, '').length > 0;
  const baseSrc = hasExt ? name.slice(0, lastDot) : name;
  const extSrc = hasExt ? name.slice(lastDot + 1) : '';
  let base = '';
  let baseLen = 0;
  for (const ch of baseSrc) {
    if (ch === '.' || ch === ' ') {
      lossy = true;
      continue;
    }
    baseLen++;
    const m = shortChar(ch);
    lossy ||= m.lossy;
    if (base.length < 8) base += m.c;
  }
  let ext = '';
  let extLen = 0;
  for (const ch of extSrc) {
    if (ch === ' ') {
      lossy = true;
      continue;
    }
    extLen++;
    const m = shortChar(ch);
    lossy ||= m.lossy;
    if (ext.length < 3) ext += m.c;
  }
  if (baseLen > 8 || extLen > 3) lossy = true;
  if (base.length === 0) {
    base = '_';
    lossy = true;
  }
  return { base, ext, lossy };
}

/**
 * The short name for a new entry called `name` in a directory whose short names are `taken`
 * (11-character latin1 strings).
 *
 * Returns the 11 bytes and whether a long-name entry is needed.
 */
export function generateShortName(name: string, taken: ReadonlySet<string>): { short: Buffer; needsLfn: boolean } {
  const exact = exactShortName(name);
  if (exact !== undefined && !taken.has(exact.toString('latin1'))) return { short: exact, needsLfn: false };
  const { base, ext, lossy } = basisName(name);
  const plain = packShortName(base, ext);
  // The basis alone is enough when it loses nothing, and is free (only the case differs).
  if (!lossy && !taken.has(plain.toString('latin1'))) return { short: plain, needsLfn: true };
  for (let n = 1; n <= 999999; n++) {
    const tail = `~${n}`;
    const cand = packShortName(base.slice(0, 8 - tail.length) + tail, ext);
    if (!taken.has(cand.toString('latin1'))) return { short: cand, needsLfn: true };
  }
  throw new Error('bug: no free numeric tail in a directory of at most 65536 entries');
}

/** Code page 437, bytes 0x80-0xFF: how short names with OEM bytes are shown. */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function decodeOem(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : (CP437_HIGH[b - 0x80] ?? '_');
  return s;
}

/** NT case flags in byte 12 of a short entry. */
export const CASE_LOWER_BASE = 0x08;
export const CASE_LOWER_EXT = 0x10;

/** The short name as a reader shows it ("README.TXT"), honouring the NT lower-case flags. */
export function formatShortName(raw: Uint8Array, ntFlags = 0): string {
  const bytes = Uint8Array.from(raw.subarray(0, 11));
  if (bytes[0] === 0x05) bytes[0] = 0xe5;
  let base = decodeOem(bytes.subarray(0, 8)).replace(/ +$/u, '');
  let ext = decodeOem(bytes.subarray(8, 11)).replace(/ +$/u, '');
  if (ntFlags & CASE_LOWER_BASE) base = base.toLowerCase();
  if (ntFlags & CASE_LOWER_EXT) ext = ext.toLowerCase();
  return ext.length > 0 ? `${base}.${ext}` : base;
}

/** Case folding for name comparison: per character, like the FAT up-case table (ß stays ß). */
export function foldName(name: string): string {
  let out = '';
  for (const ch of name) {
    const u = ch.toUpperCase();
    out += u.length === ch.length ? u : ch;
  }
  return out;
}
