/**
 * Per-target isolation under disk faults, on plain image files (no root, no loop devices, no
 * tools): three targets, a fault injected into one of them through RunOptions.wrapIO
 * (testkit/fault-io.ts), and the engine must fail that target alone, with the code
 * flasher/errors.ts fromIoError gives the errno, the phase it happened in and the exact byte
 * offset of the failing call, while the other two are written and verified byte-identical to the
 * image. A failed image-file target keeps what it held before (the engine writes a temporary
 * sibling and renames it only after verification).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardTargets, releaseAll } from '../../../../flasher/guard/guard.js';
import type { JobSummary, TargetResult } from '../../../../flasher/write/job-types.js';
import { openJobSource, writeTargets } from '../../../../flasher/write/job.js';
import { injectFaults, type Fault, type FaultInjector } from '../../../../testkit/fault-io.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const IMAGE_SIZE = 12 * MiB + 3 * KiB; // three 4 MiB chunks and an odd tail
/** Bytes each target holds before the job: what a failed target must still hold after it. */
const OLD = Buffer.alloc(512 * KiB, 0x5a);

let dir = '';
let image = '';
let imageBytes: Buffer;
let run = 0;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Deterministic bytes with no zero runs (file targets skip writing zeros: every byte here is written). */
function pattern(len: number): Buffer {
  const b = Buffer.alloc(len);
  let x = 0x9e3779b9;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = (x & 0xff) | 1;
  }
  return b;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), '3os-faults-'));
  image = join(dir, 'image.img');
  imageBytes = pattern(IMAGE_SIZE);
  await writeFile(image, imageBytes);
});

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

interface Outcome {
  readonly summary: JobSummary;
  readonly targets: readonly string[];
  readonly faults: FaultInjector;
}

/** Three fresh image-file targets holding OLD; `fault` on the one at `faulty`; the whole job through the guard and the engine. */
async function flash(fault: Fault, faulty: number): Promise<Outcome> {
  run += 1;
  const targets = [0, 1, 2].map((i) => join(dir, `run${run}-t${i}.img`));
  for (const t of targets) await writeFile(t, OLD);
  const faults = injectFaults(new Map([[targets[faulty] ?? '', fault]]));
  const spec = { image, targets, verify: true };
  const src = await openJobSource(spec, () => undefined);
  try {
    const g = await guardTargets({ verb: 'write', targets, source: image, imageSize: src.size, imageSectorSize: src.sectorSize });
    expect(g.refused).toEqual([]);
    try {
      const summary = await writeTargets(spec, src, g.accepted.map((a) => a.handle), () => undefined, { wrapIO: faults.wrap });
      return { summary, targets, faults };
    } finally {
      await releaseAll(g.accepted);
    }
  } finally {
    await src.close();
  }
}

function resultOf(o: Outcome, i: number): TargetResult {
  const r = o.summary.results.find((x) => x.target === o.targets[i]);
  if (r === undefined) throw new Error(`no result for ${o.targets[i]}`);
  return r;
}

/** The two targets without the fault are written, verified and byte-identical to the image; the faulty one holds what it held. */
async function expectIsolated(o: Outcome, faulty: number): Promise<void> {
  for (const [i, t] of o.targets.entries()) {
    const r = resultOf(o, i);
    const bytes = await readFile(t);
    if (i === faulty) {
      expect(r.ok).toBe(false);
      expect(sha(bytes)).toBe(sha(OLD));
    } else {
      expect({ ok: r.ok, verified: r.verified, bytesWritten: r.bytesWritten, error: r.error }).toEqual({ ok: true, verified: true, bytesWritten: IMAGE_SIZE, error: undefined });
      expect(bytes.length).toBe(IMAGE_SIZE);
      expect(sha(bytes)).toBe(sha(imageBytes));
    }
  }
  // No temporary sibling is left behind.
  expect((await readdir(dir)).filter((n) => n.includes('3os-partial'))).toEqual([]);
}

// Offsets past the held-back first MiB (written last), inside the second and third 4 MiB chunks,
// aligned so the direct-I/O handle (where the file system has one) sees them too.
const W = 5 * MiB + 3 * 4096;
const R = 9 * MiB + 2 * 4096;

interface FaultCase {
  readonly name: string;
  readonly fault: Fault;
  /** Which of the three targets gets the fault. */
  readonly faulty: number;
  readonly code: string;
  readonly phase: string;
  readonly offset: number;
}

const FAULTS: readonly FaultCase[] = [
  { name: 'EIO while writing', fault: { kind: 'error', op: 'write', at: W }, faulty: 0, code: 'E_WRITE_IO', phase: 'write', offset: W },
  { name: 'ENOSPC while writing', fault: { kind: 'error', op: 'write', at: W, code: 'ENOSPC' }, faulty: 1, code: 'E_TOO_SMALL', phase: 'write', offset: W },
  { name: 'a short write, then no progress (0 bytes written)', fault: { kind: 'stall', at: W }, faulty: 2, code: 'E_TOO_SMALL', phase: 'write', offset: W },
  { name: 'the device gone mid-write (ENXIO)', fault: { kind: 'gone', op: 'write', at: W }, faulty: 0, code: 'E_UNPLUGGED', phase: 'write', offset: W },
  { name: 'the device gone mid-write (ENODEV)', fault: { kind: 'gone', op: 'write', at: W, code: 'ENODEV' }, faulty: 1, code: 'E_UNPLUGGED', phase: 'write', offset: W },
  { name: 'EIO while reading back', fault: { kind: 'error', op: 'read', at: R }, faulty: 2, code: 'E_WRITE_IO', phase: 'verify', offset: R },
  { name: 'the device gone while reading back', fault: { kind: 'gone', op: 'read', at: R }, faulty: 0, code: 'E_UNPLUGGED', phase: 'verify', offset: R },
  { name: 'a byte stored wrong (found by the read-back, to the byte)', fault: { kind: 'corrupt', at: R + 77 }, faulty: 1, code: 'E_VERIFY_MISMATCH', phase: 'verify', offset: R + 77 },
  { name: 'EIO in the held-back partition-table area (written last)', fault: { kind: 'error', op: 'write', at: 8192 }, faulty: 2, code: 'E_WRITE_IO', phase: 'write', offset: 8192 },
];

describe('a fault on one of three image-file targets fails that target alone', () => {
  it.each(FAULTS)('$name: code $code, phase $phase, offset $offset', async ({ fault, faulty, code, phase, offset }) => {
    const o = await flash(fault, faulty);
    expect(resultOf(o, faulty).error).toMatchObject({ code, phase, offset, target: o.targets[faulty] });
    expect(o.faults.fired(o.targets[faulty] ?? '')[0]).toMatchObject({ at: offset });
    await expectIsolated(o, faulty);
  });

  it('flush (fsync) failing: E_WRITE_IO in phase flush, no offset', async () => {
    const o = await flash({ kind: 'sync' }, 1);
    expect(resultOf(o, 1).error).toMatchObject({ code: 'E_WRITE_IO', phase: 'flush', offset: undefined });
    expect(o.faults.fired(o.targets[1] ?? '')[0]).toMatchObject({ op: 'sync' });
    await expectIsolated(o, 1);
  });

  // Node reports a write on a closed FileHandle as EBADF ("file closed"): fromIoError maps that to
  // E_WRITE_IO (only ENOENT/ENXIO/ENODEV/ENOMEDIUM mean the device went away).
  it('the file handle closed under the engine mid-write: E_WRITE_IO at that byte, in phase write', async () => {
    const o = await flash({ kind: 'closed', at: W }, 2);
    expect(resultOf(o, 2).error).toMatchObject({ code: 'E_WRITE_IO', phase: 'write', offset: W });
    await expectIsolated(o, 2);
  });

  it('the device gone: the engine stops using it (only calls already in flight, and the abort, meet the dead device)', async () => {
    const o = await flash({ kind: 'gone', op: 'write', at: W }, 0);
    const r = resultOf(o, 0);
    expect(r.bytesWritten).toBeLessThan(IMAGE_SIZE);
    const fired = o.faults.fired(o.targets[0] ?? '');
    expect(fired.every((f) => f.code === 'ENXIO')).toBe(true);
    // The first call at W, at most the other writes of its queue depth (4), and no verify or head write.
    expect(fired.filter((f) => f.op === 'read')).toEqual([]);
    expect(fired.length).toBeLessThanOrEqual(5);
    await expectIsolated(o, 0);
  });
});

describe('short transfers are not failures', () => {
  const shorts: readonly { readonly name: string; readonly fault: Fault }[] = [
    { name: 'writes that move at most 61 KiB + 1 byte per call', fault: { kind: 'short', op: 'write', max: 61 * KiB + 1 } },
    { name: 'reads that move at most 7 KiB + 3 bytes per call', fault: { kind: 'short', op: 'read', max: 7 * KiB + 3 } },
  ];
  it.each(shorts)('$name: every target is written and verified', async ({ fault }) => {
    const o = await flash(fault, 1);
    for (const [i, t] of o.targets.entries()) {
      expect(resultOf(o, i)).toMatchObject({ ok: true, verified: true, bytesWritten: IMAGE_SIZE });
      expect(sha(await readFile(t))).toBe(sha(imageBytes));
    }
  });
});
