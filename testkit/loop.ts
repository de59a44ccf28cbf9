/**
 * The one loop-device registry for tests and benchmarks. Every device attached here is remembered
 * and detached by `detachAll`; under vitest, testkit/vitest-setup.ts does that for every test file
 * (devices attached inside a test after that test, devices attached in beforeAll after the file),
 * also when the test fails, so no test needs its own bookkeeping. Tests may still detach early.
 */
import { sh, shOk, shSync, shSyncOk } from './sh.js';

export interface LoopOptions {
  readonly readOnly?: boolean;
  /** Logical sector size of the device (512 or 4096). */
  readonly sectorSize?: number;
  /** Byte offset into the file (a partition as its own device). */
  readonly offset?: number;
  /** Bytes the device shows from `offset`. */
  readonly sizeLimit?: number;
}

/** Devices attached and not yet detached, with the test scope each was attached in. */
const attached = new Map<string, 'test' | 'file'>();
let inTest = false;

function losetupArgs(file: string, opts: LoopOptions): string[] {
  const args = ['-f', '--show'];
  if (opts.readOnly === true) args.push('-r');
  if (opts.sectorSize !== undefined) args.push('--sector-size', String(opts.sectorSize));
  if (opts.offset !== undefined) args.push('-o', String(opts.offset));
  if (opts.sizeLimit !== undefined) args.push('--sizelimit', String(opts.sizeLimit));
  args.push(file);
  return args;
}

function remember(dev: string): string {
  attached.set(dev, inTest ? 'test' : 'file');
  return dev;
}

/** Attach `file` to a free loop device; returns /dev/loopN. */
export async function attachLoop(file: string, opts: LoopOptions = {}): Promise<string> {
  return remember((await shOk('losetup', losetupArgs(file, opts))).trim());
}

/** `attachLoop` for synchronous tests. */
export function attachLoopSync(file: string, opts: LoopOptions = {}): string {
  return remember(shSyncOk('losetup', losetupArgs(file, opts)).trim());
}

/** Tell the loop driver the backing file changed size (losetup -c). */
export async function refreshLoopSize(dev: string): Promise<void> {
  await shOk('losetup', ['-c', dev]);
}

/** Detach one device. A device that is already gone is not an error; a busy one throws. */
export async function detachLoop(dev: string): Promise<void> {
  attached.delete(dev);
  const r = await sh('losetup', ['-d', dev]);
  if (r.code !== 0 && !/No such device|not a loop|No such file/iu.test(r.text)) throw new Error(`losetup -d ${dev} failed (${r.code}): ${r.text}`);
}

/** `detachLoop` for synchronous tests. */
export function detachLoopSync(dev: string): void {
  attached.delete(dev);
  const r = shSync('losetup', ['-d', dev]);
  if (r.code !== 0 && !/No such device|not a loop|No such file/iu.test(r.text)) throw new Error(`losetup -d ${dev} failed (${r.code}): ${r.text}`);
}

async function detachWhere(pick: (scope: 'test' | 'file') => boolean): Promise<void> {
  const problems: string[] = [];
  for (const [dev, scope] of [...attached].reverse()) {
    if (!pick(scope)) continue;
    try {
      await detachLoop(dev);
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  // Every device is tried before reporting: one busy device must not leave the others attached.
  if (problems.length > 0) throw new Error(`loop devices left attached:\n${problems.join('\n')}`);
}

/** Detach every device attached through this registry (newest first). */
export function detachAll(): Promise<void> {
  return detachWhere(() => true);
}

/** The devices attached and not yet detached (newest last). */
export function attachedLoops(): string[] {
  return [...attached.keys()];
}

/** Used by testkit/vitest-setup.ts: a test starts (devices attached from now on are the test's). */
export function loopTestStarted(): void {
  inTest = true;
}

/** Used by testkit/vitest-setup.ts: a test ended; its devices are detached. */
export async function loopTestEnded(): Promise<void> {
  inTest = false;
  await detachWhere((scope) => scope === 'test');
}
