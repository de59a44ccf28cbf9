/** The catalog schema: the bundled catalog is valid, the JSON schema file matches the zod schema, bad catalogs say where. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFlashError } from '../../../../flasher/errors.js';
import { parseCatalog } from '../../../../flasher/catalog/load.js';
import { catalogJsonSchema } from '../../../../flasher/catalog/schema.js';
import { assetsCatalogDir } from '../../../../flasher/catalog/trusted-keys.js';

const dir = assetsCatalogDir();

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isFlashError(e) ? `${e.code}: ${e.message}` : String(e);
  }
  return 'no error';
}

describe('catalog schema', () => {
  it('assets/catalog/catalog.schema.json is generated from the zod schema (no drift)', () => {
    const committed = JSON.parse(readFileSync(join(dir, 'catalog.schema.json'), 'utf8')) as unknown;
    expect(committed).toEqual(catalogJsonSchema());
  });

  it('the bundled catalog parses and lists the reference images for their boards', () => {
    const c = parseCatalog(readFileSync(join(dir, 'catalog.json')), 'bundled');
    expect(c.version).toBe(1);
    const byId = new Map(c.images.map((i) => [i.id, i]));
    expect(byId.get('3os-debian-generic-x86_64')?.boards).toEqual(['generic-x86_64']);
    expect(byId.get('3os-debian-qemu-virt-arm64')?.arch).toBe('aarch64');
    expect(c.boards.map((b) => b.id).sort()).toEqual(['generic-x86_64', 'qemu-virt-arm64']);
    for (const i of c.images) for (const b of i.boards) expect(c.boards.some((x) => x.id === b && x.arch === i.arch)).toBe(true);
  });

  const base = { version: 1, name: 't', images: [{ id: 'a', name: 'A', flavor: 'debian', version: '1', arch: 'x86_64', boards: ['b'], released: '2026-01-01', url: 'a.img', download: {} }] };

  it('accepts a minimal catalog and fills defaults', () => {
    const c = parseCatalog(Buffer.from(JSON.stringify(base)), 't');
    expect(c.images[0]?.firstBoot).toBe('3os-native');
    expect(c.boards).toEqual([]);
  });

  it.each([
    ['an unknown arch', { ...base, images: [{ ...base.images[0], arch: 'mips' }] }, /E_CATALOG: catalog t: images\.0\.arch/],
    ['an unknown key (typo)', { ...base, imagez: [] }, /E_CATALOG: .*imagez|E_CATALOG: .*Unrecognized/],
    ['a bad sha256', { ...base, images: [{ ...base.images[0], download: { sha256: 'xyz' } }] }, /E_CATALOG: catalog t: images\.0\.download\.sha256/],
    ['a newer format version', { ...base, version: 2 }, /E_CATALOG: .*version 2 is newer/],
    ['a duplicate image id', { ...base, images: [base.images[0], base.images[0]] }, /E_CATALOG: .*appears twice/],
    ['a bad first-boot format', { ...base, images: [{ ...base.images[0], firstBoot: 'kickstart' }] }, /E_CATALOG: catalog t: images\.0\.firstBoot/],
  ])('refuses %s', (_n, doc, re) => {
    expect(codeOf(() => parseCatalog(Buffer.from(JSON.stringify(doc)), 't'))).toMatch(re);
  });

  it('refuses text that is not JSON', () => {
    expect(codeOf(() => parseCatalog(Buffer.from('{"version": 1,'), 't'))).toMatch(/^E_CATALOG: catalog t: not valid JSON/);
  });
});
