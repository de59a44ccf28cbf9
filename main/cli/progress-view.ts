/**
 * How a running job looks in a terminal: one bar per target redrawn in place on a TTY,
 * plain lines when the output is a file or pipe, JSON lines with --json.
 */
import { humanBytes, humanRate } from '../../common/bytes.js';
import type { JobEvent, ProgressEvent } from '../../flasher/progress.js';
import type { CliIO } from './io.js';

// Re-exported for the verbs that print sizes through this module; the formatter is common/bytes.ts.

function eta(sec: number | undefined): string {
  if (sec === undefined || !Number.isFinite(sec)) return '';
  const m = Math.floor(sec / 60);
  const s = Math.round(sec % 60);
  return `ETA ${m}:${String(s).padStart(2, '0')}`;
}

export class ProgressView {
  private readonly last = new Map<string, ProgressEvent>();
  private drawn = 0;
  private lastPlain = 0;

  public constructor(
    private readonly io: CliIO,
    private readonly json: boolean,
  ) {}

  public onEvent(e: JobEvent): void {
    if (this.json) {
      this.io.out.write(`${JSON.stringify(e)}\n`);
      return;
    }
    switch (e.kind) {
      case 'progress':
        this.last.set(e.target, e);
        this.draw();
        break;
      case 'info':
        this.clear();
        this.io.err.write(`${e.target !== undefined ? `${e.target}: ` : ''}${e.message}\n`);
        break;
      case 'done':
        this.last.delete(e.target);
        this.clear();
        this.io.err.write(e.ok ? `${e.target}: done${e.verified ? ', verified' : ''} (${humanBytes(e.bytesWritten)} in ${e.seconds.toFixed(1)} s)\n` : `${e.target}: FAILED: ${e.error?.message ?? 'unknown error'}\n`);
        this.draw();
        break;
    }
  }

  private line(p: ProgressEvent): string {
    const frac = p.total !== undefined && p.total > 0 ? Math.min(1, p.bytes / p.total) : undefined;
    const width = 24;
    const bar = frac === undefined ? '' : `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${(frac * 100).toFixed(0).padStart(3)}% `;
    return `${p.target} ${p.phase.padEnd(8)} ${bar}${humanBytes(p.bytes)} ${humanRate(p.speed)} ${eta(p.eta)}`;
  }

  private draw(): void {
    if (this.io.err.isTTY !== true) {
      const now = Date.now();
      if (now - this.lastPlain < 5000) return;
      this.lastPlain = now;
      for (const p of this.last.values()) this.io.err.write(`${this.line(p)}\n`);
      return;
    }
    this.clear();
    for (const p of this.last.values()) this.io.err.write(`${this.line(p)}\x1b[K\n`);
    this.drawn = this.last.size;
  }

  private clear(): void {
    if (this.io.err.isTTY === true && this.drawn > 0) {
      this.io.err.write(`\x1b[${this.drawn}A\x1b[J`);
      this.drawn = 0;
    }
  }
}
