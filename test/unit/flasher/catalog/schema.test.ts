/** The catalog schema: the bundled catalog is valid, the JSON schema file matches the zod schema, bad catalogs say where. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFlashError } from '../../../../flasher/errors.js';
import { parseCatalog } from '../../../../flasher/catalog/load.js';
import { bootableTables, catalogJsonSchema } from '../../../../flasher/catalog/schema.js';
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
    expect(c.boards.map((b) => b.id)).toEqual(expect.arrayContaining(['generic-x86_64', 'qemu-virt-arm64']));
    for (const i of c.images) for (const b of i.boards) expect(c.boards.some((x) => x.id === b && x.arch === i.arch)).toBe(true);
  });

  it('the bundled catalog lists the Raspberry Pi boards with the tables their firmware boots', () => {
    const c = parseCatalog(readFileSync(join(dir, 'catalog.json')), 'bundled');
    const pi = new Map(c.boards.filter((b) => b.firmware === 'rpi').map((b) => [b.id, b]));
    expect([...pi.keys()].sort()).toEqual(['cm4', 'cm5', 'rpi-3b', 'rpi-400', 'rpi-4b', 'rpi-5', 'rpi-zero-2w']);
    for (const b of pi.values()) expect(b.arch).toBe('aarch64');
    // Pi 3 / Zero 2 W: MBR only; the EEPROM boards: GPT or MBR.
    expect(bootableTables(pi.get('rpi-3b') ?? { partitionTable: 'gpt' })).toEqual(['mbr']);
    expect(bootableTables(pi.get('rpi-zero-2w') ?? { partitionTable: 'gpt' })).toEqual(['mbr']);
    for (const id of ['rpi-4b', 'rpi-400', 'cm4', 'rpi-5', 'cm5']) expect([...bootableTables(pi.get(id) ?? { partitionTable: 'mbr' })].sort()).toEqual(['gpt', 'mbr']);
    expect(pi.get('rpi-3b')?.soc).toBe('bcm2837');
    expect(pi.get('rpi-zero-2w')?.soc).toBe('bcm2710a1');
    expect(pi.get('rpi-5')?.soc).toBe('bcm2712');
    // rpiboot for the Compute Modules; a USB gadget port on Zero 2 W, Pi 4, Pi 5; Wi-Fi by model on the CMs.
    expect([...pi.values()].filter((b) => b.capabilities.rpiboot === true).map((b) => b.id).sort()).toEqual(['cm4', 'cm5']);
    expect([...pi.values()].filter((b) => b.capabilities.usbGadget === true).map((b) => b.id).sort()).toEqual(['rpi-400', 'rpi-4b', 'rpi-5', 'rpi-zero-2w']);
    expect(pi.get('cm4')?.capabilities.wifi).toBe('model-dependent');
    expect(pi.get('rpi-5')?.capabilities.serialConsole).toBe('ttyAMA10');
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
    ['a partition table that is not gpt or mbr', { ...base, boards: [{ id: 'b', name: 'B', arch: 'x86_64', firmware: 'uefi', partitionTable: ['gpt', 'apm'] }] }, /E_CATALOG: catalog t: boards\.0\.partitionTable/],
    ['an empty list of partition tables', { ...base, boards: [{ id: 'b', name: 'B', arch: 'x86_64', firmware: 'uefi', partitionTable: [] }] }, /E_CATALOG: catalog t: boards\.0\.partitionTable/],
    ['an image partition table that is not gpt or mbr', { ...base, images: [{ ...base.images[0], partitionTable: 'hybrid' }] }, /E_CATALOG: catalog t: images\.0\.partitionTable/],
    ['a bad first-boot format', { ...base, images: [{ ...base.images[0], firstBoot: 'kickstart' }] }, /E_CATALOG: catalog t: images\.0\.firstBoot/],
  ])('refuses %s', (_n, doc, re) => {
    expect(codeOf(() => parseCatalog(Buffer.from(JSON.stringify(doc)), 't'))).toMatch(re);
  });

  it('refuses text that is not JSON', () => {
    expect(codeOf(() => parseCatalog(Buffer.from('{"version": 1,'), 't'))).toMatch(/^E_CATALOG: catalog t: not valid JSON/);
  });
});
