/**
 * Factory station mode: with an image and a settings template chosen, every drive inserted
 * from now on that the rule accepts (size range, bus; never a system or read-only drive) is
 * flashed, verified, grown and seeded on its own, up to N at once, with the next {index}.
 * Each finished device appends one line to a JSON-lines report and a CSV report (serial
 * number, hostname given, image digest, verify result, duration). Drives present when the
 * station starts are left alone.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { watchDrives, type DriveEvent, type DriveWatcher } from '../../flasher/drives/watcher.js';
import type { Drive } from '../../flasher/drives/types.js';
import { FlashError } from '../../flasher/errors.js';
import { renderBatch } from '../../provisioning/config/batch.js';
import type { ClientContext, ValidRequests } from '../ipc/contract.js';
import type { FactoryLine, FactoryState } from '../ipc/contract-types.js';
import { CSV_HEADER, factoryReducer, initialFactoryState, lineToCsv, ruleRejects, type FactoryAction } from './factory-state.js';
import type { FlashRunner } from './types.js';
import { userErrorOf } from './user-error-of.js';

interface Station {
  readonly req: ValidRequests['factoryStart'];
  readonly owner: ClientContext;
  readonly jsonl: string;
  readonly csv: string;
  readonly watcher: DriveWatcher;
  nextIndex: number;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export class FactoryService {
  private state: FactoryState = initialFactoryState;
  private station: Station | undefined;
  private readonly queue: Drive[] = [];
  private readonly inFlight = new Map<string, AbortController>();

  public constructor(
    private readonly run: FlashRunner,
    private readonly reportsDir: string,
  ) {}

  private dispatch(a: FactoryAction): void {
    this.state = factoryReducer(this.state, a);
    this.station?.owner.emit('factory', this.state);
  }

  public async start(req: ValidRequests['factoryStart'], client: ClientContext): Promise<FactoryState> {
    if (this.station !== undefined) throw new FlashError('E_USAGE', 'the factory station is already running');
    if (req.rule.maxBytes > 0 && req.rule.maxBytes < req.rule.minBytes) throw new FlashError('E_USAGE', 'the rule\'s maximum size is below its minimum');
    // Check the template now (a sample device), so a bad template never reaches a drive.
    if (req.config !== undefined) renderBatch(req.config, [{ index: req.firstIndex, serial: 'SAMPLE0001' }]);
    await mkdir(this.reportsDir, { recursive: true, mode: 0o700 });
    const base = join(this.reportsDir, `factory-${stamp(new Date())}`);
    const jsonl = `${base}.jsonl`;
    const csv = `${base}.csv`;
    await writeFile(csv, `${CSV_HEADER}\n`, { mode: 0o600 });
    await writeFile(jsonl, '', { mode: 0o600 });
    const watcher = watchDrives((e) => this.onDrive(e), { includeLoop: req.includeLoop, onError: () => undefined });
    this.station = { req, owner: client, jsonl, csv, watcher, nextIndex: req.firstIndex };
    client.onClose(async () => {
      await this.stop();
    });
    this.dispatch({ type: 'started', reportPath: jsonl });
    await watcher.ready;
    return this.state;
  }

  private onDrive(e: DriveEvent): void {
    const s = this.station;
    if (s === undefined || e.type !== 'added' || e.entry.kind === 'usbboot') return;
    const why = ruleRejects(e.entry, s.req.rule);
    if (why !== undefined) {
      this.dispatch({ type: 'skipped', device: e.entry.device, reason: why });
      return;
    }
    this.queue.push(e.entry);
    this.pump();
  }

  private pump(): void {
    const s = this.station;
    while (s !== undefined && this.inFlight.size < s.req.maxParallel) {
      const d = this.queue.shift();
      if (d === undefined) return;
      const abort = new AbortController();
      this.inFlight.set(d.device, abort);
      void this.flashOne(s, d, abort.signal).finally(() => {
        this.inFlight.delete(d.device);
        this.pump();
      });
    }
  }

  private async flashOne(s: Station, d: Drive, signal: AbortSignal): Promise<void> {
    const t0 = performance.now();
    const index = s.nextIndex++;
    let line: FactoryLine;
    let hostname = '';
    try {
      const rendered = s.req.config === undefined ? undefined : renderBatch(s.req.config, [{ index, serial: d.serial }])[0]?.rendered;
      hostname = rendered?.config.hostname ?? '';
      this.dispatch({ type: 'begin', device: d.device, hostname });
      const summary = await this.run(
        {
          image: s.req.image,
          targets: [d.device],
          verify: true,
          grow: true,
          rendered: rendered === undefined ? undefined : [rendered],
        },
        (ev) => {
          if (ev.kind === 'progress') this.dispatch({ type: 'progress', device: d.device, phase: ev.phase, fraction: ev.total ? ev.bytes / ev.total : undefined });
        },
        signal,
      );
      const r = summary.results[0];
      line = {
        time: new Date().toISOString(),
        device: d.device,
        serial: d.serial ?? '',
        hostname,
        imageDigest: summary.sha256 ?? '',
        verified: r?.verified ?? false,
        ok: r?.ok ?? false,
        seconds: (performance.now() - t0) / 1000,
        error: r?.error === undefined ? undefined : `${r.error.code}: ${r.error.message}`,
      };
    } catch (e) {
      const u = userErrorOf(e);
      line = { time: new Date().toISOString(), device: d.device, serial: d.serial ?? '', hostname, imageDigest: '', verified: false, ok: false, seconds: (performance.now() - t0) / 1000, error: `${u.code}: ${u.detail}` };
    }
    await appendFile(s.jsonl, `${JSON.stringify(line)}\n`);
    await appendFile(s.csv, `${lineToCsv(line)}\n`);
    this.dispatch({ type: 'finished', line });
  }

  public current(): FactoryState {
    return this.state;
  }

  public async stop(): Promise<FactoryState> {
    const s = this.station;
    if (s === undefined) return this.state;
    this.queue.length = 0;
    for (const a of this.inFlight.values()) a.abort();
    await s.watcher.stop();
    this.dispatch({ type: 'stopped' });
    this.station = undefined;
    return this.state;
  }
}
