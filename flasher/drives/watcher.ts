/**
 * Hot-plug watcher: polls, and lists drives again only when something cheap says they changed.
 *
 * Linux fingerprint: the names in /sys/block with their sizes, ro flags and loop backing files,
 * the USB device ids, and the text of mountinfo. Only when the fingerprint moves (and then stays
 * put for `settleMs`, so a card's partitions appearing one by one give one event, not a storm)
 * is the full listing done and diffed by drive id. Latency: pollMs + settleMs + one listing
 * (500 + 150 ms + ~10 ms by default, under 1 s). Other OSes have no cheap fingerprint: they list
 * every `pollMs` (default 2 s there, since drivelist runs diskutil / SetupAPI).
 */
import { join } from 'node:path';
import { listDriveEntries } from './list.js';
import { listDir, readText } from './sysfs.js';
import type { DriveEntry, ListOptions } from './types.js';

export type DriveEvent =
  | { readonly type: 'added'; readonly entry: DriveEntry }
  | { readonly type: 'removed'; readonly entry: DriveEntry }
  | { readonly type: 'changed'; readonly entry: DriveEntry; readonly previous: DriveEntry };

export interface WatchOptions extends ListOptions {
  readonly pollMs?: number | undefined;
  readonly settleMs?: number | undefined;
  /** Called when a listing fails (the watcher keeps going). */
  readonly onError?: ((e: unknown) => void) | undefined;
}

export interface DriveWatcher {
  /** Resolves once the first listing is in (no events are emitted for it). */
  readonly ready: Promise<void>;
  /** Entries as of the last listing. */
  current(): readonly DriveEntry[];
  stop(): Promise<void>;
}

/** Pure: events that turn `before` into `after` (keyed by entry id). */
export function diffEntries(before: readonly DriveEntry[], after: readonly DriveEntry[]): DriveEvent[] {
  const events: DriveEvent[] = [];
  const old = new Map(before.map((e) => [e.id, e]));
  const now = new Map(after.map((e) => [e.id, e]));
  for (const [id, e] of old) if (!now.has(id)) events.push({ type: 'removed', entry: e });
  for (const [id, e] of now) {
    const prev = old.get(id);
    if (prev === undefined) events.push({ type: 'added', entry: e });
    else if (JSON.stringify(prev) !== JSON.stringify(e)) events.push({ type: 'changed', entry: e, previous: prev });
  }
  return events;
}

/** Cheap Linux change detector (a few small sysfs reads; no device opened). */
export async function linuxFingerprint(root: string, includeLoop: boolean): Promise<string> {
  const parts: string[] = [];
  const block = join(root, 'sys', 'block');
  for (const name of await listDir(block)) {
    const isLoop = name.startsWith('loop');
    if (isLoop && !includeLoop) continue;
    const size = await readText(join(block, name, 'size'));
    if (isLoop && size === '0') continue;
    const ro = await readText(join(block, name, 'ro'));
    const extra = isLoop ? await readText(join(block, name, 'loop', 'backing_file')) : await listDir(join(block, name, 'holders')).then((h) => h.join(','));
    parts.push(`${name}:${size}:${ro}:${extra ?? ''}`);
  }
  const usb = join(root, 'sys', 'bus', 'usb', 'devices');
  for (const dev of await listDir(usb)) if (!dev.includes(':')) parts.push(`usb:${dev}:${(await readText(join(usb, dev, 'idProduct'))) ?? ''}`);
  parts.push((await readText(join(root, 'proc', 'self', 'mountinfo'))) ?? '');
  return parts.join('\n');
}

/** Start watching; `onEvent` gets one event per drive that appeared, vanished or changed. */
export function watchDrives(onEvent: (e: DriveEvent) => void, opts: WatchOptions = {}): DriveWatcher {
  const linux = process.platform === 'linux' || opts.root !== undefined;
  const pollMs = opts.pollMs ?? (linux ? 500 : 2000);
  const settleMs = opts.settleMs ?? 150;
  const root = opts.root ?? '/';
  let entries: DriveEntry[] = [];
  let listedPrint: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const print = (): Promise<string> => (linux ? linuxFingerprint(root, opts.includeLoop === true) : Promise.resolve(String(Date.now())));

  const relist = async (fp: string): Promise<void> => {
    const l = await listDriveEntries(opts);
    const next = [...l.drives, ...l.usbBoot];
    const events = diffEntries(entries, next);
    entries = next;
    listedPrint = fp;
    if (!stopped) for (const e of events) onEvent(e);
  };

  const tick = async (): Promise<void> => {
    try {
      let fp = await print();
      if (fp === listedPrint) return;
      // Settle: wait until the fingerprint stops moving (bounded, to keep latency under 1 s).
      for (let i = 0; i < 3 && linux; i++) {
        await sleep(settleMs);
        if (stopped) return;
        const again = await print();
        if (again === fp) break;
        fp = again;
      }
      await relist(fp);
    } catch (e) {
      opts.onError?.(e);
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, pollMs);
  };

  const ready = (async () => {
    const fp = await print();
    await relist(fp);
  })();
  running = ready.catch((e: unknown) => opts.onError?.(e)).finally(schedule);

  return {
    ready,
    current: () => entries,
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running.catch(() => undefined);
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
