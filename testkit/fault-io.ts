/**
 * A fault-injecting disk for the write engine (RunOptions.wrapIO): wraps a target's TargetIO
 * and misbehaves the way failing hardware does, at exact byte offsets, so per-target isolation
 * is tested on plain files as a normal user.
 *
 * Faults tied to an offset behave like the kernel: the call that would cross the bad byte moves
 * the bytes before it (a short count) and the next call, starting at that byte, fails. So the
 * engine sees the error exactly at `at`. The buffered and direct (O_DIRECT) handles of one target
 * share their state: a device that is gone is gone for both.
 */
import type { TargetIO, WrapIO } from '../flasher/write/target.js';

export type FaultOp = 'write' | 'read';

export type Fault =
  /** An I/O error (errno `code`, default EIO) at byte `at`, every time an `op` call reaches it (a bad sector). */
  | { readonly kind: 'error'; readonly op: FaultOp; readonly at: number; readonly code?: string | undefined }
  /** Every `op` call moves at most `max` bytes: short counts the caller has to continue (no error). */
  | { readonly kind: 'short'; readonly op: FaultOp; readonly max: number }
  /** Writes stop making progress at byte `at`: the bytes before it are written, then calls return 0 bytes. */
  | { readonly kind: 'stall'; readonly at: number }
  /** The device goes away when an `op` call reaches `at`: that call and every later one (read, write, flush) fail with `code`. */
  | { readonly kind: 'gone'; readonly op: FaultOp; readonly at: number; readonly code?: 'ENXIO' | 'ENODEV' | 'ENOMEDIUM' | undefined }
  /** The OS file handle is closed under the engine when a write reaches `at` (what a yanked device leaves behind). */
  | { readonly kind: 'closed'; readonly at: number }
  /** flush (fsync) fails with `code` (default EIO). */
  | { readonly kind: 'sync'; readonly code?: string | undefined }
  /** The device stores the byte at `at` flipped and says nothing: only reading back finds it. */
  | { readonly kind: 'corrupt'; readonly at: number };

/** A fault that went off: which call, at which byte. */
export interface Fired {
  readonly op: FaultOp | 'sync';
  readonly at: number | undefined;
  readonly code: string;
}

export interface FaultInjector {
  /** Pass as RunOptions.wrapIO. */
  readonly wrap: WrapIO;
  /** The faults that went off on `target` so far, in order. */
  fired(target: string): readonly Fired[];
}

/** An errno-style error as Node's fs reports it (`code`, `syscall`). */
export function ioError(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault, ${syscall}`), { code, syscall });
}

interface TargetState {
  readonly fault: Fault;
  readonly fired: Fired[];
  gone: string | undefined;
}

function crosses(at: number, position: number, length: number): boolean {
  return position <= at && at < position + length;
}

function hasClose(io: TargetIO): io is TargetIO & { close(): Promise<void> } {
  return 'close' in io && typeof (io as { close?: unknown }).close === 'function';
}

function wrapOne(io: TargetIO, s: TargetState): TargetIO {
  const f = s.fault;
  const fire = (op: Fired['op'], at: number | undefined, code: string): NodeJS.ErrnoException => {
    s.fired.push({ op, at, code });
    return ioError(code, op === 'sync' ? 'fsync' : op);
  };
  const stillThere = (op: Fired['op'], at: number | undefined): void => {
    if (s.gone !== undefined) throw fire(op, at, s.gone);
  };
  return {
    async write(buffer, offset, length, position) {
      stillThere('write', position);
      if (f.kind === 'short' && f.op === 'write') return io.write(buffer, offset, Math.min(length, f.max), position);
      if ((f.kind === 'error' && f.op === 'write') || f.kind === 'stall' || (f.kind === 'gone' && f.op === 'write') || f.kind === 'closed') {
        if (crosses(f.at, position, length)) {
          if (position < f.at) return io.write(buffer, offset, f.at - position, position);
          if (f.kind === 'stall') {
            s.fired.push({ op: 'write', at: position, code: 'no progress' });
            return { bytesWritten: 0 };
          }
          if (f.kind === 'closed') {
            s.fired.push({ op: 'write', at: position, code: 'closed' });
            if (hasClose(io)) await io.close();
            return io.write(buffer, offset, length, position);
          }
          if (f.kind === 'gone') {
            s.gone = f.code ?? 'ENXIO';
            throw fire('write', position, s.gone);
          }
          throw fire('write', position, f.code ?? 'EIO');
        }
      }
      const r = await io.write(buffer, offset, length, position);
      if (f.kind === 'corrupt' && crosses(f.at, position, r.bytesWritten)) {
        const i = offset + (f.at - position);
        await io.write(Uint8Array.of((buffer[i] ?? 0) ^ 0xff), 0, 1, f.at);
        s.fired.push({ op: 'write', at: f.at, code: 'corrupted' });
      }
      return r;
    },
    async read(buffer, offset, length, position) {
      stillThere('read', position);
      if (f.kind === 'short' && f.op === 'read') return io.read(buffer, offset, Math.min(length, f.max), position);
      if (((f.kind === 'error' || f.kind === 'gone') && f.op === 'read') && crosses(f.at, position, length)) {
        if (position < f.at) return io.read(buffer, offset, f.at - position, position);
        if (f.kind === 'gone') {
          s.gone = f.code ?? 'ENXIO';
          throw fire('read', position, s.gone);
        }
        throw fire('read', position, f.code ?? 'EIO');
      }
      return io.read(buffer, offset, length, position);
    },
    async sync() {
      stillThere('sync', undefined);
      if (f.kind === 'sync') throw fire('sync', undefined, f.code ?? 'EIO');
      return io.sync();
    },
  };
}

/** Faults by target path; targets not named are passed through untouched. */
export function injectFaults(faults: ReadonlyMap<string, Fault>): FaultInjector {
  const states = new Map<string, TargetState>();
  for (const [target, fault] of faults) states.set(target, { fault, fired: [], gone: undefined });
  return {
    wrap: (target, io) => {
      const s = states.get(target);
      return s === undefined ? io : wrapOne(io, s);
    },
    fired: (target) => states.get(target)?.fired ?? [],
  };
}
