/**
 * One target's state during a job (named TargetState, not Slot: a slot is an A/B boot slot), and the held-back partition-table region, shared by the job,
 * the stream pump and the finish step.
 */
import { FlashError, isFlashError } from '../errors.js';
import type { ProgressPhase, SpeedMeter } from '../progress.js';
import type { TargetHandle } from '../guard/handle.js';
import type { WriteTarget } from './target.js';
import type { TargetWriter } from './target-writer.js';

/** The partition table region, written last. */
export const HEAD_BYTES = 1024 * 1024;

export interface TargetState {
  readonly path: string;
  /** The guard's handle (flasher/guard): the engine writes nothing it did not get from the guard. */
  readonly handle: TargetHandle;
  target?: WriteTarget;
  writer?: TargetWriter;
  error?: FlashError;
  phase: ProgressPhase;
  verified: boolean;
  readonly started: number;
  meter: SpeedMeter;
  meterPhase: ProgressPhase;
  doneBytes: number;
}

export function asFlash(e: unknown, target?: string): FlashError {
  if (isFlashError(e)) return e.withContext({ target });
  return new FlashError('E_WRITE_IO', e instanceof Error ? e.message : String(e), { target, cause: e });
}
