/**
 * Typed progress events. One stream of events per job; each event names its target, so a UI
 * can draw one bar per drive and a factory log can record one line per device.
 */
import type { Phase } from './errors.js';
import type { TargetResult } from './write/job-types.js';

/** The phases a target reports progress in. */
export const PROGRESS_PHASES = ['decompress', 'write', 'verify', 'finalize', 'grow', 'seed'] as const satisfies readonly Phase[];
export type ProgressPhase = (typeof PROGRESS_PHASES)[number];

export interface ProgressEvent {
  readonly kind: 'progress';
  readonly target: string;
  readonly phase: ProgressPhase;
  /** Bytes done in this phase. */
  readonly bytes: number;
  /** Bytes this phase will handle, when known. */
  readonly total: number | undefined;
  /** Smoothed bytes per second. */
  readonly speed: number;
  /** Seconds left in this phase, when known. */
  readonly eta: number | undefined;
}

export interface TargetDoneEvent extends TargetResult {
  readonly kind: 'done';
}

export interface InfoEvent {
  readonly kind: 'info';
  readonly target?: string | undefined;
  readonly message: string;
}

export type JobEvent = ProgressEvent | TargetDoneEvent | InfoEvent;

/** Exponentially smoothed speed, and an ETA from it. */
export class SpeedMeter {
  private lastT: number;
  private lastBytes = 0;
  private rate = 0;

  public constructor(private readonly now: () => number = () => performance.now()) {
    this.lastT = now();
  }

  /** Feed the running byte count; returns the smoothed rate in bytes/s. */
  public update(bytes: number): number {
    const t = this.now();
    const dt = (t - this.lastT) / 1000;
    if (dt >= 0.25) {
      const inst = (bytes - this.lastBytes) / dt;
      this.rate = this.rate === 0 ? inst : this.rate * 0.7 + inst * 0.3;
      this.lastT = t;
      this.lastBytes = bytes;
    }
    return this.rate;
  }

  public eta(bytes: number, total: number | undefined): number | undefined {
    if (total === undefined || this.rate <= 0) return undefined;
    return Math.max(0, (total - bytes) / this.rate);
  }
}
