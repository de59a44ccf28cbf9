/** Merging catalogs (first listed wins, shadowing reported), relative URLs, and board/arch filtering. */
import { describe, expect, it } from 'vitest';
import type { LoadedCatalog } from '../../../../flasher/catalog/load.js';
import { checkFit, findImage, imagesFor, mergeCatalogs } from '../../../../flasher/catalog/merge.js';
import { bootableTables, catalogSchema, type Board } from '../../../../flasher/catalog/schema.js';
import { catalogIdOf } from '../../../../flasher/catalog/resolve.js';

function cat(source: string, base: string, doc: unknown): LoadedCatalog {
  return { source, base, catalog: catalogSchema.parse(doc), trust: { kind: 'bundled' }, fromCache: false };
}

const boards = [
  { id: 'pc', name: 'PC', arch: 'x86_64', firmware: 'uefi', partitionTable: 'gpt' },
  { id: 'pi4', name: 'Pi 4', arch: 'aarch64', firmware: 'rpi', partitionTable: ['gpt', 'mbr'] },
  { id: 'pi3', name: 'Pi 3', arch: 'aarch64', firmware: 'rpi', partitionTable: 'mbr' },
];
const img = (id: string, arch: string, b: string[], url = `${id}.img.xz`): Record<string, unknown> => ({
  id, name: id, flavor: 'debian', version: '1', arch, boards: b, released: '2026-01-01', url, download: {},
});

describe('mergeCatalogs', () => {
  const user = cat('https://mine.example/c.json', 'https://mine.example/sub/c.json', {
    version: 1, name: 'mine', images: [img('shared', 'x86_64', ['pc'], 'files/shared.img.xz')],
  });
  const bundled = cat('bundled', 'file:///app/assets/catalog/catalog.json', {
    version: 1, name: 'bundled', boards,
    images: [img('shared', 'x86_64', ['pc']), img('pc-img', 'x86_64', ['pc']), img('pi-img', 'aarch64', ['pi4', 'pi3']), img('ghost', 'x86_64', ['nope'])],
  });
  const m = mergeCatalogs([user, bundled]);

  it('takes an id from the catalog listed first and says what was shadowed', () => {
    expect(findImage(m, 'shared')?.catalog).toBe('https://mine.example/c.json');
    expect(m.notes.some((n) => n.includes('image shared from catalog bundled is shadowed'))).toBe(true);
    expect(m.notes.some((n) => n.includes('names board nope'))).toBe(true);
  });

  it('resolves relative URLs against the catalog they came from', () => {
    expect(findImage(m, 'shared')?.url).toBe('https://mine.example/sub/files/shared.img.xz');
    expect(findImage(m, 'pc-img')?.url).toBe('file:///app/assets/catalog/pc-img.img.xz');
  });

  it('offers only images that fit the board, and filters by arch', () => {
    expect(imagesFor(m, { board: 'pc' }).map((i) => i.id).sort()).toEqual(['pc-img', 'shared']);
    expect(imagesFor(m, { board: 'pi3' }).map((i) => i.id)).toEqual(['pi-img']);
    expect(imagesFor(m, { arch: 'aarch64' }).map((i) => i.id)).toEqual(['pi-img']);
    expect(imagesFor(m, { arch: 'armv7' })).toEqual([]);
    expect(() => imagesFor(m, { board: 'c64' })).toThrow(/unknown board "c64"/);
  });

  it('checkFit explains an arch or board mismatch', () => {
    const pc = m.boards.find((b) => b.id === 'pc');
    if (pc === undefined) throw new Error('no board');
    expect(checkFit({ arch: 'x86_64', boards: ['pc'] }, pc).fits).toBe(true);
    expect(checkFit({ arch: 'aarch64', boards: ['pc'] }, pc).reasons.join()).toMatch(/for aarch64, board pc is x86_64/);
    expect(checkFit({ arch: 'x86_64', boards: ['pi4'] }, pc).reasons.join()).toMatch(/supports pi4, not pc/);
    expect(checkFit({}, pc).fits).toBe(false);
  });

  it('checkFit compares the image\'s partition table with the tables the board\'s firmware boots', () => {
    const board = (id: string): Board => {
      const b = m.boards.find((x) => x.id === id);
      if (b === undefined) throw new Error(`no board ${id}`);
      return b;
    };
    const pi = { arch: 'aarch64', boards: ['pi3', 'pi4'] };
    expect(checkFit({ ...pi, partitionTable: 'mbr' }, board('pi3'))).toEqual({ fits: true, reasons: [] });
    expect(checkFit({ ...pi, partitionTable: 'gpt' }, board('pi3'))).toEqual({
      fits: false,
      reasons: ['the image has a GPT partition table; the firmware of board pi3 boots only MBR'],
    });
    expect(checkFit({ ...pi, partitionTable: 'gpt' }, board('pi4')).fits).toBe(true);
    expect(checkFit({ ...pi, partitionTable: 'mbr' }, board('pi4')).fits).toBe(true);
    // A catalog entry that does not say its table is not refused for it (the image itself is read at write time).
    expect(checkFit(pi, board('pi3')).fits).toBe(true);
    // Every reason at once: arch, board list and table.
    expect(checkFit({ arch: 'x86_64', boards: ['pc'], partitionTable: 'gpt' }, board('pi3')).reasons).toHaveLength(3);
  });

  it('offers a catalog image for a board only when its declared table boots there', () => {
    const c = mergeCatalogs([cat('bundled', 'file:///c.json', {
      version: 1, name: 'b', boards,
      images: [{ ...img('pi-gpt', 'aarch64', ['pi3', 'pi4']), partitionTable: 'gpt' }, { ...img('pi-mbr', 'aarch64', ['pi3', 'pi4']), partitionTable: 'mbr' }],
    })]);
    expect(imagesFor(c, { board: 'pi3' }).map((i) => i.id)).toEqual(['pi-mbr']);
    expect(imagesFor(c, { board: 'pi4' }).map((i) => i.id)).toEqual(['pi-gpt', 'pi-mbr']);
  });
});

describe('bootableTables', () => {
  it('reads one table or a list as a list', () => {
    expect(bootableTables({ partitionTable: 'mbr' })).toEqual(['mbr']);
    expect(bootableTables({ partitionTable: ['gpt', 'mbr'] })).toEqual(['gpt', 'mbr']);
  });
});

describe('catalogIdOf', () => {
  it('takes catalog:ID always, a bare id only when it is not a path or URL', () => {
    expect(catalogIdOf('catalog:3os-debian-generic-x86_64')).toEqual({ id: '3os-debian-generic-x86_64', explicit: true });
    expect(catalogIdOf('3os-debian-generic-x86_64')).toEqual({ id: '3os-debian-generic-x86_64', explicit: false });
    expect(catalogIdOf('package.json')).toBeUndefined(); // exists in the repo root (cwd)
    expect(catalogIdOf('https://x.example/a.img')).toBeUndefined();
    expect(catalogIdOf('./missing/dir.img')).toBeUndefined();
  });
});
