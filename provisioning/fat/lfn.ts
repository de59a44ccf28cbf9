/**
 * VFAT long file name entries.
 *
 * A long name is stored as UTF-16LE in 13-character slices, one 32-byte directory entry per slice
 * (attribute 0x0F), placed in reverse order just before the 8.3 entry they belong to. Each slice
 * carries its ordinal (1-based; the last one has 0x40 set) and the checksum of the 11-byte short
 * name, which is how readers tie the slices to their short entry. The name ends with 0x0000 unless
 * it fills the last slice exactly; the rest of that slice is 0xFFFF.
 */

export const ATTR_LFN = 0x0f;
export const LFN_LAST = 0x40;
export const LFN_CHARS = 13;
/** Longest long name, in UTF-16 code units. */
export const LFN_MAX = 255;

/** Byte offsets of the 13 UTF-16 characters inside an LFN entry. */
const CHAR_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30] as const;

/** The LFN checksum of an 11-byte short name (spec section 7, ChkSum). */
export function lfnChecksum(shortName: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + (shortName[i] ?? 0)) & 0xff;
  return sum;
}

/** Number of LFN entries a name needs. */
export function lfnEntryCount(name: string): number {
  return Math.ceil(name.length / LFN_CHARS);
}

/** The LFN entries for `name`, in on-disk order (highest ordinal first). */
export function encodeLfn(name: string, shortName: Uint8Array): Buffer[] {
  const n = lfnEntryCount(name);
  const sum = lfnChecksum(shortName);
  const out: Buffer[] = [];
  for (let ord = n; ord >= 1; ord--) {
    const e = Buffer.alloc(32);
    e[0] = ord | (ord === n ? LFN_LAST : 0);
    e[11] = ATTR_LFN;
    e[12] = 0;
    e[13] = sum;
    const base = (ord - 1) * LFN_CHARS;
    CHAR_OFFSETS.forEach((off, i) => {
      const idx = base + i;
      let unit: number;
      if (idx < name.length) unit = name.charCodeAt(idx);
      else if (idx === name.length) unit = 0x0000;
      else unit = 0xffff;
      e.writeUInt16LE(unit, off);
    });
    out.push(e);
  }
  return out;
}

/** The 13 characters of one LFN entry (up to the terminator). */
export function lfnSlice(entry: Uint8Array): { text: string; ended: boolean } {
  const b = Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength);
  let text = '';
  for (const off of CHAR_OFFSETS) {
    const u = b.readUInt16LE(off);
    if (u === 0x0000) return { text, ended: true };
    text += String.fromCharCode(u);
  }
  return { text, ended: false };
}

/**
 * Collects LFN entries while a directory is scanned, and yields the long name when the short
 * entry that follows them matches (sequence complete, checksums equal). Orphaned or broken
 * slices are dropped, as the spec requires.
 */
export class LfnCollector {
  private parts: string[] = [];
  private expect = 0;
  private sum = -1;
  private startIndex = -1;

  public reset(): void {
    this.parts = [];
    this.expect = 0;
    this.sum = -1;
    this.startIndex = -1;
  }

  /** Feed one LFN entry found at directory slot `index`. */
  public add(entry: Uint8Array, index: number): void {
    const ord = (entry[0] ?? 0) & 0x3f;
    const last = ((entry[0] ?? 0) & LFN_LAST) !== 0;
    const sum = entry[13] ?? 0;
    if (last) {
      if (ord < 1 || ord > 20) return this.reset();
      this.parts = new Array<string>(ord).fill('');
      this.expect = ord;
      this.sum = sum;
      this.startIndex = index;
    } else if (this.expect === 0 || ord !== this.expect || sum !== this.sum) {
      return this.reset();
    }
    this.parts[ord - 1] = lfnSlice(entry).text;
    this.expect = ord - 1;
  }

  /** The short entry arrived: the long name and the slot of its first LFN entry, if they match. */
  public finish(shortName: Uint8Array): { name: string; startIndex: number } | undefined {
    const ok = this.parts.length > 0 && this.expect === 0 && lfnChecksum(shortName) === this.sum;
    const res = ok ? { name: this.parts.join(''), startIndex: this.startIndex } : undefined;
    this.reset();
    return res;
  }
}
