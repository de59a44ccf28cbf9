/**
 * The rules of the `storage:` section, in one place: LV names (what LVM itself accepts) and the
 * size grammar. The config schema, the `--policy` file and the grow planner all read sizes and
 * names through this module (byte sizes through common/bytes.ts, the one reader of sizes people
 * type), so any layer may use it.
 *
 * Size grammar (documented in docs/config-schema.md):
 *   NUMBER UNIT   NUMBER is digits with an optional fraction (`2`, `1.5`); UNIT is K, M, G, T or P,
 *                 optionally followed by `iB` or `B` (`2G` = `2GiB` = `2GB` = `2g`), always powers of
 *                 1024 as lvcreate -L reads them; the result is rounded up to whole bytes (and later
 *                 to whole extents).
 *   DIGITS B      a byte count (`4194304B`).
 *   N%FREE        a share (N whole, 1 to 100) of the free extents left after the absolute sizes.
 * No blanks, no sign, and no bare number (lvcreate would read `512` as MiB: too easy to get wrong).
 */

import { parseBytes } from '../../common/bytes.js';

export type ParsedSize = { readonly kind: 'bytes'; readonly bytes: number } | { readonly kind: 'percentFree'; readonly percent: number };

/** Longest LV name LVM accepts (NAME_LEN 128 with the terminating NUL, lvm2 lib/misc/lvm-string.c). */
export const LV_NAME_MAX = 127;
/** Prefixes LVM reserves for its own volumes (apply_lvname_restrictions). */
export const LV_RESERVED_PREFIXES: readonly string[] = ['pvmove', 'snapshot'];
/** Substrings LVM reserves for component and internal LVs (apply_lvname_restrictions, lvm2 2.03). */
export const LV_RESERVED_PARTS: readonly string[] = [
  '_cdata', '_cmeta', '_corig', '_cpool', '_cvol', '_wcorig', '_mimage', '_mlog', '_rimage', '_rmeta',
  '_tdata', '_tmeta', '_vdata', '_imeta', '_iorig', '_pmspare', '_vorigin',
];

/** How a size is written, for messages. */
export const SIZE_GRAMMAR = "a size like '512M', '2G', '2GiB' or '1.5T' (K/M/G/T/P, powers of 1024; 'B' for bytes) or a share like '60%FREE' (1 to 100)";

const PERCENT_RE = /^(\d+)%free$/i;

/** A size, or why it is not one. */
export function sizeOrProblem(s: string): ParsedSize | string {
  const pct = PERCENT_RE.exec(s);
  if (pct !== null) {
    const percent = Number(pct[1]);
    return percent >= 1 && percent <= 100 ? { kind: 'percentFree', percent } : 'the share must be from 1%FREE to 100%FREE';
  }
  if (/^\d+(\.\d+)?$/.test(s)) return `needs a unit, e.g. '${s}M' or '${s}G' (a bare number is ambiguous: lvcreate reads it as MiB)`;
  const bytes = parseBytes(s);
  if (bytes === undefined) return `must be ${SIZE_GRAMMAR}`;
  if (bytes === 0) return 'must be more than 0';
  return { kind: 'bytes', bytes };
}

/** Parse one size; undefined if it is not a valid size. */
export function parseSize(s: string): ParsedSize | undefined {
  const r = sizeOrProblem(s);
  return typeof r === 'string' ? undefined : r;
}

/** Why a string is not a size (see the grammar above), or undefined. */
export function lvSizeProblem(s: string): string | undefined {
  const r = sizeOrProblem(s);
  return typeof r === 'string' ? r : undefined;
}

/** Why a name is not one LVM accepts for a new LV (lvm(8) VALID NAMES, apply_lvname_restrictions), or undefined. */
export function lvNameProblem(s: string): string | undefined {
  if (s.length === 0 || s.length > LV_NAME_MAX) return `must be 1 to ${LV_NAME_MAX} characters`;
  if (!/^[A-Za-z0-9+_.-]+$/.test(s)) return 'may hold only letters, digits and + _ . -';
  if (s.startsWith('-')) return 'must not start with "-"';
  if (s === '.' || s === '..') return 'must not be "." or ".."';
  const prefix = LV_RESERVED_PREFIXES.find((p) => s.startsWith(p));
  if (prefix !== undefined) return `must not start with "${prefix}" (reserved by LVM)`;
  const part = LV_RESERVED_PARTS.find((p) => s.includes(p));
  if (part !== undefined) return `must not contain "${part}" (reserved by LVM)`;
  return undefined;
}
