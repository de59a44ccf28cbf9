/**
 * Real-tool judges for the FAT integration tests: mkfs.fat makes the volumes, fsck.fat -n and
 * mtools check what our writer left behind. Missing tools fail loudly (CI must install
 * dosfstools, mtools, gdisk and util-linux). Tools run through testkit/sh.ts.
 */
import { expect } from 'vitest';
import { shSync, shSyncOk } from '../../testkit/sh.js';

/**
 * fsck.fat -n must exit 0 and print nothing but its version line and the one-line summary
 * (so no "differs", "free cluster summary", "lost", "duplicate" or any other complaint).
 */
export function expectFsckClean(dev: string): void {
  const r = shSync('fsck.fat', ['-n', dev]);
  const complaints = r.text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .filter((l) => !/^fsck\.fat \d/u.test(l) && !/: \d+ files, \d+\/\d+ clusters$/u.test(l));
  expect({ status: r.code, complaints }).toEqual({ status: 0, complaints: [] });
}

/** mtools image spec: "IMG" or "IMG@@OFFSET". */
export function mimg(img: string, offset = 0): string {
  return offset === 0 ? img : `${img}@@${offset}`;
}

/** The bytes mtype prints for a file, or undefined when mtools cannot find it. */
export function mtype(img: string, offset: number, path: string): Buffer | undefined {
  const r = shSync('mtype', ['-i', mimg(img, offset), `::/${path}`]);
  return r.code === 0 ? r.bytes : undefined;
}

/** Every path on the volume as mdir -b -/ lists it ("dir/" for directories), sorted. */
export function mdirAll(img: string, offset: number): string[] {
  return shSyncOk('mdir', ['-b', '-/', '-i', mimg(img, offset), '::/'])
    .split('\n')
    .filter((l) => l.startsWith('::/'))
    .map((l) => l.slice(3))
    .sort();
}

/** Free bytes as mdir reports them. */
export function mtoolsFree(img: string, offset: number): number {
  const out = shSyncOk('mdir', ['-i', mimg(img, offset), '::/']);
  const m = /([\d ]+) bytes free/u.exec(out);
  if (m?.[1] === undefined) throw new Error(`mdir printed no free count:\n${out}`);
  return Number(m[1].replace(/ /gu, ''));
}

/** The full mdir listing line of a file in a directory (for short names and times). */
export function mdirLine(img: string, offset: number, dir: string, longName: string): string | undefined {
  return shSyncOk('mdir', ['-i', mimg(img, offset), `::/${dir}`])
    .split('\n')
    .find((l) => l.trimEnd().endsWith(` ${longName}`) || l.startsWith(`${longName} `));
}

/** Deterministic test bytes. */
export function pattern(len: number, seed: number): Buffer {
  const b = Buffer.alloc(len);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}
