/**
 * `3os-flash drives`: list the drives that could be written (system ones flagged, never hidden),
 * Raspberry Pis waiting in USB boot mode, and with --watch the hot-plug events as they happen.
 */
import { humanBytes } from '../../../common/bytes.js';
import { detect3os } from '../../../provisioning/detect/detect-3os.js';
import { listDriveEntries, type DriveListing } from '../../../flasher/drives/list.js';
import type { Drive, DriveEntry, ListOptions } from '../../../flasher/drives/types.js';
import { watchDrives, type DriveEvent } from '../../../flasher/drives/watcher.js';
import { usageError, type CliIO, type Command } from '../io.js';

const USAGE = `Usage: 3os-flash drives [--json] [--watch] [--include-loop]

List drives that can be written: device, size, bus, model, flags and mount points.
Flags: system (backs the running system: refused unless confirmed), removable, ro (read-only),
3os (already holds a 3os install), busy (held by LVM/dm/md).
Raspberry Pi Compute Modules / Pi 4 / Pi 5 in USB boot mode are listed too: run rpiboot to
expose their eMMC as a drive.

  --json          one JSON document with every field ({drives, usbBoot}); with --watch, one
                  JSON event per line
  --watch         keep running and print drives as they are added, removed or changed (Ctrl-C)
  --include-loop  also list attached loop devices (with their backing file)`;

/** JSON with every field present: undefined becomes null. */
export function entryJson(e: DriveEntry): Record<string, unknown> {
  const full = e.kind === 'usbboot' ? e : { backingFile: undefined, freeBytes: undefined, exists: undefined, threeOs: undefined, ...e };
  return JSON.parse(JSON.stringify(full, (_k, v: unknown) => (v === undefined ? null : v))) as Record<string, unknown>;
}

export function driveFlags(d: Drive): string {
  const f: string[] = [];
  if (d.system) f.push('system');
  if (d.removable) f.push('removable');
  if (d.readOnly) f.push('ro');
  if (d.threeOs !== undefined) f.push('3os');
  if (d.holders.length > 0) f.push('busy');
  return f.join(',') || '-';
}

function row(e: DriveEntry): string[] {
  if (e.kind === 'usbboot') return [e.id, '-', 'usb', e.description, 'usbboot', '-'];
  const model = e.backingFile !== undefined ? e.backingFile : e.description;
  const mounts = e.mountpoints.map((m) => m.path).join(',') || '-';
  return [e.device, humanBytes(e.size), e.bus, model, driveFlags(e), mounts];
}

/** Plain-text table of a listing. */
export function formatTable(listing: DriveListing): string {
  const rows = [['DEVICE', 'SIZE', 'BUS', 'MODEL', 'FLAGS', 'MOUNTPOINTS'], ...[...listing.drives, ...listing.usbBoot].map(row)];
  const widths = rows[0]?.map((_c, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const lines = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
  if (listing.drives.length === 0 && listing.usbBoot.length === 0) lines.push('(no drives found)');
  return `${lines.join('\n')}\n`;
}

export function formatEvent(e: DriveEvent): string {
  const r = row(e.entry);
  const sign = e.type === 'added' ? '+' : e.type === 'removed' ? '-' : '~';
  return `${sign} ${e.type.padEnd(7)} ${r.filter((c) => c !== '-').join('  ')}\n`;
}

interface DrivesArgs {
  readonly json: boolean;
  readonly watch: boolean;
  readonly includeLoop: boolean;
}

export function parseDrivesArgs(args: readonly string[]): DrivesArgs {
  const known = new Set(['--json', '--watch', '--include-loop']);
  for (const a of args) if (!known.has(a)) throw usageError(`drives: unknown option "${a}" (see 3os-flash drives --help)`);
  return { json: args.includes('--json'), watch: args.includes('--watch'), includeLoop: args.includes('--include-loop') };
}

/** --watch: print the current list, then one line per event until `signal` aborts. */
export async function watchToOutput(io: CliIO, a: DrivesArgs, opts: ListOptions, signal: AbortSignal): Promise<number> {
  const watcher = watchDrives(
    (e) => {
      io.out.write(a.json ? `${JSON.stringify({ kind: 'drive-event', type: e.type, entry: entryJson(e.entry) })}\n` : formatEvent(e));
    },
    { ...opts, onError: (e) => io.err.write(`3os-flash: drive listing failed: ${String(e)}\n`) },
  );
  await watcher.ready;
  const cur = watcher.current();
  if (a.json) for (const e of cur) io.out.write(`${JSON.stringify({ kind: 'drive-event', type: 'present', entry: entryJson(e) })}\n`);
  else io.out.write(`${formatTable({ drives: cur.filter((e): e is Drive => e.kind !== 'usbboot'), usbBoot: cur.filter((e) => e.kind === 'usbboot') })}watching for changes (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await watcher.stop();
  return 0;
}

export const drivesCommand: Command = {
  name: 'drives',
  summary: 'list drives (and Pis in USB boot mode); --watch for hot-plug',
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    const a = parseDrivesArgs(args);
    const opts: ListOptions = { includeLoop: a.includeLoop, detect3os };
    if (a.watch) {
      const ac = new AbortController();
      const stop = (): void => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        return await watchToOutput(io, a, opts, ac.signal);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    }
    const listing = await listDriveEntries(opts);
    if (a.json) io.out.write(`${JSON.stringify({ drives: listing.drives.map(entryJson), usbBoot: listing.usbBoot.map(entryJson) }, null, 2)}\n`);
    else io.out.write(formatTable(listing));
    return 0;
  },
};
