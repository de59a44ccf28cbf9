/**
 * The storage policy: which LVs get the space a grown data volume gains, and which LVs to add.
 *
 * Plain TypeScript types plus a hand-written validator (no zod) so the first-boot config schema
 * can reuse the type; every problem is reported as E_CONFIG_INVALID with the field path.
 * Sizes: '512M', '2G', '1T' (binary units, final LV size, rounded up to whole extents) or
 * 'N%FREE' (N percent of the free extents left after the PV resize and the absolute sizes).
 */
import { FlashError } from '../../flasher/errors.js';

export type VolumeFilesystem = 'ext4' | 'xfs';

export interface StorageVolumePolicy {
  /** LV name in the VG. */
  readonly name: string;
  /** Final size ('2G', '512M', '1.5T', binary units) or a share of the free space ('60%FREE'). */
  readonly size: string;
  /** Create the LV (linear) when it does not exist yet. */
  readonly create?: boolean;
  /** For a created LV: the filesystem the first-boot agent makes on it. */
  readonly filesystem?: VolumeFilesystem;
  /** For a created LV: where the first-boot agent mounts it. */
  readonly mountpoint?: string;
}

export interface StoragePolicy {
  readonly volumes: readonly StorageVolumePolicy[];
}

export type ParsedSize = { readonly kind: 'bytes'; readonly bytes: number } | { readonly kind: 'percentFree'; readonly percent: number };

const UNITS: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 };
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([KMGTP])(?:i?B)?$/i;
const PCT_RE = /^(\d+)%FREE$/;
const LV_NAME_RE = /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$/;
const RESERVED_LV_PARTS = ['_cdata', '_cmeta', '_corig', '_cpool', '_cvol', '_imeta', '_iorig', '_mimage', '_mlog', '_pmspare', '_rimage', '_rmeta', '_tdata', '_tmeta', '_vdata', '_vorigin', '_wcorig'];

/** Parse one size string; undefined if it is not a valid size. */
export function parseSize(s: string): ParsedSize | undefined {
  const p = PCT_RE.exec(s.trim());
  if (p !== null) {
    const percent = Number(p[1]);
    return percent >= 1 && percent <= 100 ? { kind: 'percentFree', percent } : undefined;
  }
  const m = SIZE_RE.exec(s.trim());
  if (m === null) return undefined;
  const unit = UNITS[(m[2] ?? '').toUpperCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.ceil(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes > 0 ? { kind: 'bytes', bytes } : undefined;
}

/** Why an LV name is invalid for LVM (lvcreate's rules), or undefined if it is fine. */
export function lvNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 127) return 'must be 1-127 characters';
  if (!LV_NAME_RE.test(name)) return 'may only hold letters, digits and + _ . - and must not start with -';
  if (name === '.' || name === '..') return 'must not be . or ..';
  if (name.startsWith('snapshot') || name.startsWith('pvmove')) return 'must not start with "snapshot" or "pvmove"';
  const part = RESERVED_LV_PARTS.find((r) => name.includes(r));
  if (part !== undefined) return `must not contain "${part}" (reserved by LVM)`;
  return undefined;
}

function invalid(path: string, reason: string): FlashError {
  return new FlashError('E_CONFIG_INVALID', `${path}: ${reason}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const VOLUME_KEYS = new Set(['name', 'size', 'create', 'filesystem', 'mountpoint']);

/** Validate an untrusted policy object (e.g. from config.yaml `storage:`); throws E_CONFIG_INVALID. */
export function parseStoragePolicy(input: unknown, path = 'storage'): StoragePolicy {
  if (!isRecord(input)) throw invalid(path, 'must be an object with a "volumes" list');
  for (const k of Object.keys(input)) if (k !== 'volumes') throw invalid(`${path}.${k}`, 'unknown key');
  const vols = input.volumes;
  if (!Array.isArray(vols)) throw invalid(`${path}.volumes`, 'must be a list');
  const out: StorageVolumePolicy[] = [];
  const seen = new Set<string>();
  const seenMounts = new Set<string>();
  let pctSum = 0;
  vols.forEach((v: unknown, i) => {
    const p = `${path}.volumes[${i}]`;
    if (!isRecord(v)) throw invalid(p, 'must be an object');
    for (const k of Object.keys(v)) if (!VOLUME_KEYS.has(k)) throw invalid(`${p}.${k}`, 'unknown key');
    const { name, size, create, filesystem, mountpoint } = v;
    if (typeof name !== 'string') throw invalid(`${p}.name`, 'must be a string');
    const np = lvNameProblem(name);
    if (np !== undefined) throw invalid(`${p}.name`, `"${name}" ${np}`);
    if (seen.has(name)) throw invalid(`${p}.name`, `"${name}" is listed twice`);
    seen.add(name);
    if (typeof size !== 'string') throw invalid(`${p}.size`, "must be a string such as '2G', '512M' or '60%FREE'");
    const ps = parseSize(size);
    if (ps === undefined) throw invalid(`${p}.size`, `"${size}" is not a size ('512M', '2G', '1T': binary units; or 'N%FREE' with N in 1..100)`);
    if (ps.kind === 'percentFree') pctSum += ps.percent;
    if (create !== undefined && typeof create !== 'boolean') throw invalid(`${p}.create`, 'must be true or false');
    if (filesystem !== undefined && filesystem !== 'ext4' && filesystem !== 'xfs') throw invalid(`${p}.filesystem`, 'must be "ext4" or "xfs"');
    if (mountpoint !== undefined) {
      if (typeof mountpoint !== 'string' || !/^\/[^\0]*$/.test(mountpoint) || mountpoint.split('/').some((s) => s === '..')) {
        throw invalid(`${p}.mountpoint`, 'must be an absolute path without ".."');
      }
      if (seenMounts.has(mountpoint)) throw invalid(`${p}.mountpoint`, `"${mountpoint}" is used twice`);
      seenMounts.add(mountpoint);
    }
    if (create !== true && (filesystem !== undefined || mountpoint !== undefined)) {
      throw invalid(p, 'filesystem and mountpoint are only for a volume with create: true');
    }
    const vol: StorageVolumePolicy = {
      name,
      size,
      ...(create === undefined ? {} : { create }),
      ...(filesystem === undefined ? {} : { filesystem }),
      ...(typeof mountpoint === 'string' ? { mountpoint } : {}),
    };
    out.push(vol);
  });
  if (pctSum > 100) throw invalid(`${path}.volumes`, `the %FREE sizes add up to ${pctSum}%, more than 100%`);
  return { volumes: out };
}
