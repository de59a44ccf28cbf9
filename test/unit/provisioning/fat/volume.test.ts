// The volume on an in-memory disk: round trips, and corrupt tables or directories that must give
// E_FAT (never a crash or a hang). The real-tool checks are in test/integration/fat.test.ts.
import { describe, expect, it } from 'vitest';
import { isFlashError } from '../../../../flasher/errors.js';
import { openFat, type FatVolume } from '../../../../provisioning/fat/index.js';
import { DATA, format, memDisk, ROOT, RSV, setFat } from './fat16-fixture.js';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (isFlashError(e)) return e.code;
    throw e;
  }
}

describe('FAT volume on an in-memory disk', () => {
  it('writes, reads back, replaces and deletes', async () => {
    const img = format();
    const vol = await openFat(memDisk(img), 0, img.length, { now: () => new Date(2030, 0, 2, 3, 4, 6) });
    expect([vol.type, vol.label]).toEqual(['FAT16', '3OS-CONFIG']);
    const free0 = await vol.freeBytes();
    await vol.writeFile('3os/config.yaml', Buffer.from('version: 1\n'), { mkdirs: true });
    expect((await vol.readFile('3OS/CONFIG.YAML'))?.toString()).toBe('version: 1\n');
    expect(await vol.list('3os')).toEqual([
      expect.objectContaining({ name: 'config.yaml', shortName: 'CONFIG~1.YAM', size: 11, isDirectory: false }),
    ]);
    await vol.writeFile('3os/config.yaml', Buffer.alloc(2000, 7));
    expect((await vol.readFile('3os/config.yaml'))?.length).toBe(2000);
    expect(await vol.freeBytes()).toBe(free0 - 512 - 4 * 512);
    await vol.writeFile('3os/config.yaml', new Uint8Array(0));
    expect(await vol.readFile('3os/config.yaml')).toEqual(Buffer.alloc(0));
    expect(await vol.freeBytes()).toBe(free0 - 512);
    expect(await vol.deleteFile('3os/config.yaml')).toBe(true);
    expect(await vol.exists('3os/config.yaml')).toBe(false);
    expect(await vol.exists('3os')).toBe(true);
    expect(await codeOf(vol.writeFile('x/y.txt', Buffer.from('')))).toBe('E_FAT');
    expect(await codeOf(vol.writeFile('bad:name', Buffer.from('')))).toBe('E_FAT');
    expect(await codeOf(vol.readFile('3os'))).toBe('E_FAT');
    expect(await codeOf(vol.writeFile('big', Buffer.alloc(free0)))).toBe('E_FAT_FULL');
  });

  it('refuses chains that loop, leave the range, or run into free or bad clusters', async () => {
    for (const [what, poke] of [
      ['loop', (img: Buffer) => setFat(img, 3, 2)],
      ['out of range', (img: Buffer) => setFat(img, 3, 0xfff0)],
      ['free', (img: Buffer) => setFat(img, 3, 0)],
      ['bad', (img: Buffer) => setFat(img, 3, 0xfff7)],
    ] as const) {
      const img = format();
      const vol = await openFat(memDisk(img), 0, img.length);
      await vol.writeFile('f.bin', Buffer.alloc(2000, 1)); // clusters 2..5
      poke(img);
      const again = await openFat(memDisk(img), 0, img.length);
      const before = Buffer.from(img);
      expect(await codeOf(again.readFile('f.bin')), what).toBe('E_FAT');
      expect(await codeOf(again.writeFile('f.bin', Buffer.from('x'))), what).toBe('E_FAT');
      expect(await codeOf(again.deleteFile('f.bin')), what).toBe('E_FAT');
      expect(img.equals(before), what).toBe(true);
    }
  });

  it('never crashes or hangs on random damage to the FAT, directories and boot sector', async () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const base = format();
    const vol: FatVolume = await openFat(memDisk(base), 0, base.length);
    await vol.writeFile('a/b/c.txt', Buffer.alloc(3000, 3), { mkdirs: true });
    for (let i = 0; i < 20; i++) await vol.writeFile(`a/file number ${i}.txt`, Buffer.alloc(700, i));
    const regions = [
      [0, 512],
      [RSV * 512, 2 * 512],
      [ROOT, 512],
      [DATA, 16 * 512],
    ] as const;
    for (let round = 0; round < 150; round++) {
      const img = Buffer.from(base);
      const [start, len] = regions[rnd(regions.length)] ?? [0, 0];
      for (let k = 0; k < 1 + rnd(12); k++) img[start + rnd(len)] = rnd(256);
      try {
        const v = await openFat(memDisk(img), 0, img.length);
        const walk = async (dir: string, depth: number): Promise<void> => {
          if (depth > 8) return;
          for (const e of await v.list(dir)) {
            const p = dir === '' ? e.name : `${dir}/${e.name}`;
            if (e.isDirectory) await walk(p, depth + 1).catch((err: unknown) => expect(isFlashError(err), String(err)).toBe(true));
            else await v.readFile(p).catch((err: unknown) => expect(isFlashError(err), String(err)).toBe(true));
          }
        };
        await walk('', 0);
        for (const op of [
          () => v.writeFile('a/new file.txt', Buffer.alloc(1500, 9)),
          () => v.writeFile('a/b/c.txt', Buffer.alloc(10, 9)),
          () => v.deleteFile('a/file number 3.txt'),
          () => v.mkdir('x/y/z'),
        ]) {
          await op().catch((err: unknown) => expect(isFlashError(err), String(err)).toBe(true));
        }
      } catch (err) {
        expect(isFlashError(err), String(err)).toBe(true);
      }
    }
  });
});
