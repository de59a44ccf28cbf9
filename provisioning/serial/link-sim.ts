/**
 * A simulated UART between the host code and a real stream: paces both directions at the
 * line speed (10 bits per byte for 8N1, which a pty pair does not do) and injects the faults
 * of a real console, line by line: an echo of what the host sends, kernel log lines in the
 * middle of a frame, flipped bytes, dropped lines, and a cut of the link. Used by the tests
 * and by the throughput benchmark; the host code sees an ordinary Duplex.
 */
import { Duplex } from 'node:stream';

export interface LinkFaults {
  /** Echo host writes back to the host (an echoing console). */
  readonly echo?: boolean;
  /** Every Nth line (either direction) gets a kernel log line inserted in its middle. */
  readonly noiseEvery?: number;
  /** Every Nth line gets one byte flipped. */
  readonly flipEvery?: number;
  /** Every Nth line is dropped. */
  readonly dropEvery?: number;
  /** After this many host-to-device bytes the link goes dead in both directions. */
  readonly cutAfterBytes?: number;
}

export interface LinkStats {
  noise: number;
  flipped: number;
  dropped: number;
  cut: boolean;
  toDevice: number;
  toHost: number;
}

export class LinkSim extends Duplex {
  public readonly stats: LinkStats = { noise: 0, flipped: 0, dropped: 0, cut: false, toDevice: 0, toHost: 0 };
  private lineNo = 0;
  private offeredUp = 0;
  private readonly partial = { up: Buffer.alloc(0), down: Buffer.alloc(0) };
  private readonly busyUntil = { up: 0, down: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly onInner = (chunk: Buffer): void => this.carry('down', chunk);

  public constructor(
    private readonly inner: Duplex,
    private readonly baud = 115200,
    private readonly faults: LinkFaults = {},
  ) {
    super();
    inner.on('data', this.onInner);
  }

  public override _read(): void {
    /* data is pushed as it arrives */
  }

  public override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.carry('up', chunk);
    cb();
  }

  public override _destroy(e: Error | null, cb: (e?: Error | null) => void): void {
    this.inner.off('data', this.onInner);
    for (const t of this.timers) clearTimeout(t);
    cb(e);
  }

  private carry(dir: 'up' | 'down', chunk: Buffer): void {
    let buf = Buffer.concat([this.partial[dir], chunk]);
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) >= 0) {
      this.line(dir, buf.subarray(0, nl + 1));
      buf = buf.subarray(nl + 1);
    }
    this.partial[dir] = buf;
  }

  private line(dir: 'up' | 'down', line: Buffer): void {
    const f = this.faults;
    if (dir === 'up') {
      this.offeredUp += line.length;
      if (f.cutAfterBytes !== undefined && this.offeredUp > f.cutAfterBytes) this.stats.cut = true;
    }
    if (this.stats.cut) return;
    if (dir === 'up' && f.echo) this.deliver('down', Buffer.from(line));
    this.lineNo++;
    let out = Buffer.from(line);
    if (f.dropEvery !== undefined && this.lineNo % f.dropEvery === 0) {
      this.stats.dropped++;
      return;
    }
    if (f.flipEvery !== undefined && this.lineNo % f.flipEvery === 0 && out.length > 8) {
      const at = 6 + ((this.lineNo * 7919) % (out.length - 8));
      out[at] = (out[at] ?? 0) ^ 0x04;
      this.stats.flipped++;
    }
    if (f.noiseEvery !== undefined && this.lineNo % f.noiseEvery === 0) {
      const mid = Math.floor(out.length / 2);
      const log = Buffer.from(`\r\n[ ${(this.lineNo / 100).toFixed(6)}] usb 1-1.2: new high-speed USB device number ${this.lineNo} using dwc2\r\n`);
      out = Buffer.concat([out.subarray(0, mid), log, out.subarray(mid)]);
      this.stats.noise++;
    }
    this.deliver(dir, out);
  }

  private deliver(dir: 'up' | 'down', data: Buffer): void {
    const now = Date.now();
    const start = Math.max(now, this.busyUntil[dir]);
    this.busyUntil[dir] = start + (data.length * 10 * 1000) / this.baud;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.stats.cut && dir === 'down') return;
      if (dir === 'up') {
        this.stats.toDevice += data.length;
        this.inner.write(data);
      } else {
        this.stats.toHost += data.length;
        this.push(data);
      }
    }, this.busyUntil[dir] - now);
    this.timers.add(t);
  }
}
