// The whole-volume FAT check on an in-memory FAT16: what the writer leaves always passes it; each
// kind of damage fsck.fat knows is named; a change to a damaged volume is refused with nothing
// written; a dirty but consistent volume is written and marked clean. The real-tool comparison
// (fsck.fat -n on mkfs.fat volumes) is in test/integration/fat-check.test.ts.
import { describe, expect, it } from 'vitest';
import { isFlashError } from '../../../../flasher/errors.js';
import { badShortName } from '../../../../provisioning/fat/check.js';
import { openFat, type FatCheckReport } from '../../../../provisioning/fat/index.js';
import { clusterAt, DATA, FAT1, FAT2, format, memDisk, ROOT, setFat } from './fat16-fixture.js';

async function report(img: Buffer): Promise<FatCheckReport> {
  return (await openFat(memDisk(img), 0, img.length)).check();
}

/** A volume with /a.bin (clusters 2..5), /d/ (cluster 6) holding d/b.txt (cluster 7). */
async function sample(): Promise<Buffer> {
  const img = format();
  const vol = await openFat(memDisk(img), 0, img.length, { now: () => new Date(2030, 0, 2) });
  await vol.writeFile('a.bin', Buffer.alloc(2000, 1));
  await vol.writeFile('d/b.txt', Buffer.from('hello'), { mkdirs: true });
  return img;
}

/** Byte offset of the short entry named `name11` in the directory at `dir` (root: ROOT). */
function entryAt(img: Buffer, dir: number, name11: string): number {
  for (let at = dir; at < dir + 512 * 32; at += 32) {
    if (img.toString('latin1', at, at + 11) === name11 && img[at + 11] !== 0x0f) return at;
  }
  throw new Error(`no entry ${name11}`);
}
const A = (img: Buffer): number => entryAt(img, ROOT, 'A       BIN');
const D = (img: Buffer): number => entryAt(img, ROOT, 'D          ');
const B = (img: Buffer): number => entryAt(img, clusterAt(6), 'B       TXT');
/** A free root slot well after the entries. */
const spare = (i: number): number => ROOT + (20 + i) * 32;

describe('FAT volume check', () => {
  it('passes everything the writer leaves, with exact counts', async () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const img = format();
    const vol = await openFat(memDisk(img), 0, img.length);
    for (let i = 0; i < 120; i++) {
      const name = `dir ${rnd(4)}/sub ${rnd(3)}/file number ${rnd(30)}.txt`;
      const op = rnd(5);
      if (op < 3) await vol.writeFile(name, Buffer.alloc(rnd(3000), i & 0xff), { mkdirs: true });
      else if (op === 3) await vol.deleteFile(name);
      else await vol.mkdir(`dir ${rnd(4)}/empty ${rnd(5)}`);
    }
    const r = await report(img);
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.freeClusters * 512).toBe(await vol.freeBytes());
    expect(r.lostClusters).toBe(0);
    expect(r.dirty).toBe(false);
  });

  const cases: [string, (img: Buffer) => void, RegExp][] = [
    ['FAT copies differ', (img) => setFat(img, 3, 9, [FAT2]), /FAT copy 2 differs from copy 1/],
    ['media marker gone', (img) => setFat(img, 0, 0), /FAT entry 0/],
    ['reserved FAT value', (img) => setFat(img, 40, 0xfff2), /cluster 40 holds 0xfff2/],
    ['value 1 in the FAT', (img) => setFat(img, 40, 1), /cluster 40 holds 0x1/],
    ['loop', (img) => setFat(img, 5, 3), /loops back to cluster 3/],
    ['chain into a free cluster', (img) => setFat(img, 4, 0), /runs into free cluster 4/],
    ['chain into a bad cluster', (img) => setFat(img, 3, 0xfff7), /bad cluster/],
    ['chain too long', (img) => img.writeUInt32LE(100, A(img) + 28), /100 bytes need 1 cluster\(s\), its chain has 4/],
    ['chain too short', (img) => img.writeUInt32LE(9000, A(img) + 28), /9000 bytes need 18 cluster\(s\), its chain has 4/],
    ['first cluster out of range', (img) => img.writeUInt16LE(9000, A(img) + 26), /first cluster 9000 lies outside/],
    ['cross-linked', (img) => img.writeUInt16LE(4, B(img) + 26), /cross-linked/],
    ['bad short name', (img) => (img[A(img) + 3] = 0x3f), /invalid short name/],
    ['duplicate names', (img) => img.copy(img, D(img), A(img), A(img) + 12), /same short name/],
    ['no "." entry', (img) => img.write('X       ', clusterAt(6), 'latin1'), /not its "\." entry/],
    ['wrong ".."', (img) => img.writeUInt16LE(2, clusterAt(6) + 32 + 26), /".." entry names cluster 2, not 0/],
    ['directory with a size', (img) => img.writeUInt32LE(512, D(img) + 28), /directory with a size/],
    ['directory pointing at the root', (img) => img.writeUInt16LE(0, D(img) + 26), /points at the root/],
  ];
  for (const [what, damage, says] of cases) {
    it(`names damage: ${what}; a change is refused with nothing written`, async () => {
      const img = await sample();
      damage(img);
      const r = await report(img);
      expect(r.problems.join('\n')).toMatch(says);
      const before = Buffer.from(img);
      const vol = await openFat(memDisk(img), 0, img.length);
      const e: unknown = await vol.writeFile('new.txt', Buffer.from('x')).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(isFlashError(e) ? e.code : e).toBe('E_FAT');
      expect((e as Error).message).toMatch(/is damaged, nothing was written/);
      expect(img.equals(before)).toBe(true);
      const eager: unknown = await openFat(memDisk(img), 0, img.length, { check: true }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(isFlashError(eager) ? eager.code : eager).toBe('E_FAT');
    });
  }

  it('lost chains and orphaned long-name entries are warnings, and are left alone', async () => {
    const img = await sample();
    setFat(img, 100, 101);
    setFat(img, 101, 0xffff);
    img.writeUInt8(0x41, spare(0)); // an LFN slice with no short entry after it, then a free slot
    img.writeUInt8(0x0f, spare(0) + 11);
    img.writeUInt8(0xe5, spare(1));
    img.write('Z       TXT', spare(2), 'latin1'); // and an entry after both, so the scan reaches them
    img.writeUInt8(0x20, spare(2) + 11);
    for (let i = 0; i < 20; i++) if (img[ROOT + i * 32] === 0) img[ROOT + i * 32] = 0xe5;
    const r = await report(img);
    expect(r.problems).toEqual([]);
    expect(r.lostClusters).toBe(2);
    expect(r.warnings.join('\n')).toMatch(/2 allocated cluster\(s\) belong to no file/);
    expect(r.warnings.join('\n')).toMatch(/orphaned long-name/);
    const vol = await openFat(memDisk(img), 0, img.length);
    await vol.writeFile('new.txt', Buffer.alloc(3000, 2));
    expect(img.readUInt16LE(FAT1 + 100 * 2)).toBe(101);
    expect(img[spare(0)]).toBe(0x41);
  });

  it('a dirty but consistent volume is written, then marked clean in the boot sector and every FAT copy', async () => {
    const img = await sample();
    img[37] = 0x01;
    setFat(img, 1, 0x7fff);
    expect((await report(img)).dirty).toBe(true);
    const vol = await openFat(memDisk(img), 0, img.length);
    await vol.writeFile('d/c.txt', Buffer.from('more'));
    expect(img[37]).toBe(0);
    expect([img.readUInt16LE(FAT1 + 2), img.readUInt16LE(FAT2 + 2)]).toEqual([0xffff, 0xffff]);
    const r = await report(img);
    expect([r.dirty, r.problems]).toEqual([false, []]);
    expect((await vol.readFile('d/c.txt'))?.toString()).toBe('more');
  });

  it('never throws anything but a FlashError, nor hangs, on random damage', async () => {
    let seed = 99;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const base = await sample();
    const regions = [[0, 512], [FAT1, 512], [FAT2, 512], [ROOT, 512], [DATA, 8 * 512]] as const;
    let damaged = 0;
    for (let round = 0; round < 200; round++) {
      const img = Buffer.from(base);
      const [start, len] = regions[rnd(regions.length)] ?? [0, 0];
      for (let k = 0; k < 1 + rnd(6); k++) img[start + rnd(len)] = rnd(256);
      try {
        const r = await report(img);
        if (r.problems.length > 0) damaged++;
      } catch (e) {
        expect(isFlashError(e), String(e)).toBe(true);
      }
    }
    expect(damaged).toBeGreaterThan(20);
  });

  it('short names no FAT implementation writes', () => {
    const n = (s: string): Buffer => Buffer.from(s, 'latin1');
    expect(badShortName(n('CONFIG  YAM'))).toBeUndefined();
    expect(badShortName(n('CONFIG~1YAM'))).toBeUndefined();
    expect(badShortName(n('\u00e9T\u00c9     TXT'))).toBeUndefined(); // code page characters are fine
    expect(badShortName(n('\u0005ABC    TXT'))).toBeUndefined(); // 0x05 stands for 0xE5
    expect(badShortName(n(' ABC    TXT'))).toMatch(/space/);
    expect(badShortName(n('A*B     TXT'))).toMatch(/\*/);
    expect(badShortName(n('A.B     TXT'))).toMatch(/\./);
    expect(badShortName(n('AB\u0001    TXT'))).toMatch(/control/);
  });
});
