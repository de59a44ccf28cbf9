/**
 * A flash job as the UI shows it, updated by a pure reducer from the backend's events: one row
 * per target with its phase, bytes, speed and ETA, its own result or error (a failing target
 * never stops the others' rows), and the job's end.
 */
import type { FlashUpdate, JobSummary, UserError } from '../../../main/ipc/contract-types.js';
import type { TargetResult } from '../../../flasher/write/job-types.js';
import { userError } from '../../../main/ipc/error-text.js';

export type RowPhase = 'waiting' | 'decompress' | 'write' | 'verify' | 'finalize' | 'grow' | 'seed' | 'done' | 'failed';

export interface TargetRow {
  readonly target: string;
  readonly phase: RowPhase;
  readonly bytes: number;
  readonly total: number | undefined;
  readonly speed: number;
  readonly eta: number | undefined;
  readonly result: TargetResult | undefined;
  readonly error: UserError | undefined;
  readonly messages: readonly string[];
}

export interface JobState {
  readonly jobId: string | undefined;
  readonly order: readonly string[];
  readonly rows: Readonly<Record<string, TargetRow>>;
  readonly finished: boolean;
  readonly summary: JobSummary | undefined;
  /** The whole job failed (e.g. the image could not be opened). */
  readonly failure: UserError | undefined;
  readonly messages: readonly string[];
}

export function newJob(targets: readonly string[]): JobState {
  const rows: Record<string, TargetRow> = {};
  for (const t of targets) rows[t] = { target: t, phase: 'waiting', bytes: 0, total: undefined, speed: 0, eta: undefined, result: undefined, error: undefined, messages: [] };
  return { jobId: undefined, order: [...targets], rows, finished: false, summary: undefined, failure: undefined, messages: [] };
}

function patch(s: JobState, target: string, f: (r: TargetRow) => TargetRow): JobState {
  const r = s.rows[target];
  return r === undefined ? s : { ...s, rows: { ...s.rows, [target]: f(r) } };
}

export type JobAction = { readonly type: 'started'; readonly jobId: string } | { readonly type: 'update'; readonly update: FlashUpdate } | { readonly type: 'startFailed'; readonly error: UserError };

export function jobReducer(s: JobState, a: JobAction): JobState {
  switch (a.type) {
    case 'started':
      return { ...s, jobId: a.jobId };
    case 'startFailed':
      return { ...s, finished: true, failure: a.error };
    case 'update': {
      const u = a.update;
      if (u.jobId !== s.jobId) return s;
      if (u.type === 'failed') {
        const rows: Record<string, TargetRow> = {};
        for (const [t, r] of Object.entries(s.rows)) rows[t] = r.phase === 'done' || r.phase === 'failed' ? r : { ...r, phase: 'failed', error: r.error ?? u.error };
        return { ...s, rows, finished: true, failure: u.error };
      }
      if (u.type === 'end') {
        let next: JobState = { ...s, finished: true, summary: u.summary };
        for (const r of u.summary.results) {
          next = patch(next, r.target, (row) => ({ ...row, result: r, phase: r.ok ? 'done' : 'failed', error: r.ok ? undefined : (u.errors[r.target] ?? row.error) }));
        }
        return next;
      }
      const e = u.event;
      switch (e.kind) {
        case 'progress':
          return patch(s, e.target, (r) => (r.phase === 'done' || r.phase === 'failed' ? r : { ...r, phase: e.phase, bytes: e.bytes, total: e.total, speed: e.speed, eta: e.eta }));
        case 'info':
          return e.target === undefined ? { ...s, messages: [...s.messages, e.message] } : patch(s, e.target, (r) => ({ ...r, messages: [...r.messages, e.message] }));
        case 'done':
          return patch(s, e.target, (r) => ({
            ...r,
            phase: e.ok ? 'done' : 'failed',
            result: e,
            error: e.error === undefined ? undefined : userError(e.error.code, e.error.message),
          }));
      }
    }
  }
}

/** 0..1 of the row's current phase, when known. */
export function rowFraction(r: TargetRow): number | undefined {
  if (r.phase === 'done') return 1;
  if (r.total === undefined || r.total === 0) return undefined;
  return Math.min(1, r.bytes / r.total);
}
