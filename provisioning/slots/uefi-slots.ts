/**
 * A/B slots on UEFI 3os disks, read and switched offline (recovery on a host, no device needed).
 * The mechanism is systemd-boot's own, on the 3os-boot FAT partition: entries
 * `loader/entries/3os-<slot>[+LEFT[-DONE]].conf` (boot counting) and `default` in
 * `loader/loader.conf`. systemd-boot matches `default` against entry file names (counter
 * included) and, when nothing matches, boots the first entry in its order, where entries with no
 * tries left come last. So a slot on trial is selected with the pattern `3os-X+[1-9]*.conf`: it
 * matches while tries are left, stops matching once they are used up, and the other (good) slot
 * boots instead. The image blesses a slot that booted (drops the counter, `default 3os-X.conf`).
 * slots.ts opens 3os-boot and picks this or the Raspberry Pi mechanism (pi-slots.ts).
 */
import { FlashError } from '../../flasher/errors.js';
import type { FatVolume } from '../fat/index.js';

export type Slot = 'a' | 'b';
export type SlotState = { readonly state: 'good' } | { readonly state: 'trying'; readonly triesLeft: number; readonly triesDone: number } | { readonly state: 'bad'; readonly triesDone: number } | { readonly state: 'missing' };

export interface UefiSlotStatus {
  readonly platform: 'uefi';
  /** The slot systemd-boot picks next (the `default` line, or its fallback when that slot is used up). */
  readonly next: Slot | undefined;
  /** The slot the `default` line names. */
  readonly defaultSlot: Slot | undefined;
  readonly defaultPattern: string | undefined;
  readonly a: SlotState;
  readonly b: SlotState;
}

const ENTRIES = 'loader/entries';
const LOADER_CONF = 'loader/loader.conf';
const ENTRY_RE = /^3os-([ab])(?:\+(\d+)(?:-(\d+))?)?\.conf$/i;
export const DEFAULT_TRIES = 3;

interface Entry {
  readonly slot: Slot;
  readonly name: string;
  readonly left?: number | undefined;
  readonly done?: number | undefined;
}

/** Whether the boot FAT carries systemd-boot A/B entries. */
export function hasUefiSlots(vol: FatVolume): Promise<boolean> {
  return vol.exists(ENTRIES);
}

async function readEntries(vol: FatVolume): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const f of await vol.list(ENTRIES)) {
    const m = ENTRY_RE.exec(f.name);
    if (f.isDirectory || m === null) continue;
    out.push({ slot: (m[1] ?? 'a').toLowerCase() as Slot, name: f.name, left: m[2] === undefined ? undefined : Number(m[2]), done: m[2] === undefined ? undefined : Number(m[3] ?? '0') });
  }
  return out;
}

function stateOf(e: Entry | undefined): SlotState {
  if (e === undefined) return { state: 'missing' };
  if (e.left === undefined) return { state: 'good' };
  if (e.left === 0) return { state: 'bad', triesDone: e.done ?? 0 };
  return { state: 'trying', triesLeft: e.left, triesDone: e.done ?? 0 };
}

function defaultLine(conf: string): string | undefined {
  for (const line of conf.split(/\r?\n/)) {
    const m = /^\s*default\s+(\S+)/.exec(line);
    if (m !== null) return m[1];
  }
  return undefined;
}

function slotOfPattern(p: string | undefined): Slot | undefined {
  const m = /^3os-([ab])/i.exec(p ?? '');
  return m === null ? undefined : ((m[1] ?? 'a').toLowerCase() as Slot);
}

/** Minimal glob as systemd-boot's efi_fnmatch applies it to the lower-cased entry ids. */
function globMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const j = pattern.indexOf(']', i + 1);
      if (j < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, j).replace(/\\/g, '\\\\')}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(name.toLowerCase());
}

function status(entries: readonly Entry[], pattern: string | undefined): UefiSlotStatus {
  const find = (s: Slot): Entry | undefined => entries.find((e) => e.slot === s);
  const matched = pattern === undefined ? undefined : entries.find((e) => globMatch(pattern.toLowerCase(), e.name));
  let next: Slot | undefined = matched?.slot;
  if (next === undefined) {
    // systemd-boot's order: entries with no tries left last, then by id descending (b before a)
    const usable = [...entries].sort((x, y) => Number(x.left === 0) - Number(y.left === 0) || (x.name < y.name ? 1 : -1));
    next = usable[0]?.slot;
  }
  return { platform: 'uefi', next, defaultSlot: slotOfPattern(pattern), defaultPattern: pattern, a: stateOf(find('a')), b: stateOf(find('b')) };
}

export async function readUefiSlots(vol: FatVolume): Promise<UefiSlotStatus> {
  const conf = (await vol.readFile(LOADER_CONF))?.toString('utf8') ?? '';
  return status(await readEntries(vol), defaultLine(conf));
}

/** The UEFI switch planned before anything is written (planUefiSlot), then applied (its `apply`). */
export interface PlannedSwitch<S> {
  readonly apply: () => Promise<S>;
}

/**
 * Plan making SLOT the one that boots next (reads only; `apply` writes). With `tries` (or when the
 * slot already carries a boot counter) the switch is a trial: the entry gets `+tries-0` and the
 * default pattern only matches while tries are left, so a slot that never comes up falls back to
 * the other one.
 */
export async function planUefiSlot(vol: FatVolume, target: string, slot: Slot, opts: { tries?: number | undefined } = {}): Promise<PlannedSwitch<UefiSlotStatus>> {
  if (opts.tries !== undefined && (!Number.isInteger(opts.tries) || opts.tries < 1 || opts.tries > 99)) {
    throw new FlashError('E_USAGE', 'tries must be a whole number from 1 to 99');
  }
  const entries = await readEntries(vol);
  const entry = entries.find((e) => e.slot === slot);
  if (entry === undefined) throw new FlashError('E_SLOT', `${target}: no boot entry for slot ${slot} in ${ENTRIES}`, { target, phase: 'slot' });
  return { apply: () => applyUefiSlot(vol, target, slot, entry, opts.tries) };
}

async function applyUefiSlot(vol: FatVolume, target: string, slot: Slot, entry: Entry, tries: number | undefined): Promise<UefiSlotStatus> {
  const opts = { tries };
  const trial = opts.tries !== undefined || entry.left !== undefined;
  let name = entry.name;
  if (trial) {
    const tries = opts.tries ?? (entry.left !== undefined && entry.left > 0 ? entry.left : DEFAULT_TRIES);
    name = `3os-${slot}+${tries}-0.conf`;
    if (name !== entry.name) {
      const body = await vol.readFile(`${ENTRIES}/${entry.name}`);
      if (body === undefined) throw new FlashError('E_FAT', `${target}: cannot read ${ENTRIES}/${entry.name}`, { target, phase: 'slot' });
      await vol.writeFile(`${ENTRIES}/${name}`, body);
      await vol.deleteFile(`${ENTRIES}/${entry.name}`);
    }
  }
  const pattern = trial ? `3os-${slot}+[1-9]*.conf` : `3os-${slot}.conf`;
  const conf = (await vol.readFile(LOADER_CONF))?.toString('utf8') ?? '';
  const kept = conf.split(/\r?\n/).filter((l) => l.trim() !== '' && !/^\s*default\s/.test(l));
  await vol.writeFile(LOADER_CONF, Buffer.from([`default ${pattern}`, ...kept, ''].join('\n')), { mkdirs: true });
  await vol.flush();
  return status(await readEntries(vol), pattern);
}
