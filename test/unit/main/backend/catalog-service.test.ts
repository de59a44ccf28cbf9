// The catalog requests over the real bundled catalog (assets/catalog): boards, images filtered by
// board and arch by the engine's own fit rule, and a placeholder entry refused at once with the
// catalog's "not published yet" (no network: the entry has no download size and sha256).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCatalogImage, listCatalog } from '../../../../main/backend/catalog-service.js';
import { isFlashError } from '../../../../flasher/errors.js';

let cacheDir = '';
beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), '3os-catalog-svc-'));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe('listCatalog', () => {
  it('lists the bundled boards and all images without a filter', async () => {
    const l = await listCatalog({}, { cacheDir, offline: true });
    expect(l.boards.map((b) => b.id)).toEqual(expect.arrayContaining(['generic-x86_64', 'qemu-virt-arm64', 'rpi-3b', 'rpi-5']));
    // The board view carries what the picker shows: tables as a list, capabilities.
    expect(l.boards.find((b) => b.id === 'rpi-3b')).toMatchObject({ firmware: 'rpi', soc: 'bcm2837', partitionTables: ['mbr'], wifi: true, usbGadget: false });
    expect(l.boards.find((b) => b.id === 'cm4')).toMatchObject({ partitionTables: ['gpt', 'mbr'], rpiboot: true, wifi: 'model-dependent' });
    expect(l.images.length).toBeGreaterThanOrEqual(2);
    const x86 = l.images.find((i) => i.id === '3os-debian-generic-x86_64');
    expect(x86).toMatchObject({ flavor: 'debian', version: '0.1.0', arch: 'x86_64', published: false, signed: true, downloadSize: undefined });
  });
  it('offers only the images that fit a board', async () => {
    const arm = await listCatalog({ board: 'qemu-virt-arm64' }, { cacheDir, offline: true });
    expect(arm.images.length).toBeGreaterThan(0);
    for (const i of arm.images) {
      expect(i.arch).toBe('aarch64');
      expect(i.boards).toContain('qemu-virt-arm64');
    }
    const pc = await listCatalog({ board: 'generic-x86_64' }, { cacheDir, offline: true });
    expect(pc.images.map((i) => i.id)).toContain('3os-debian-generic-x86_64');
    expect(pc.images.map((i) => i.id)).not.toContain('3os-debian-qemu-virt-arm64');
  });
  it('filters by arch alone', async () => {
    const l = await listCatalog({ arch: 'armv7' }, { cacheDir, offline: true });
    expect(l.images.every((i) => i.arch === 'armv7')).toBe(true);
  });
  it('refuses an unknown board with the catalog error', async () => {
    await expect(listCatalog({ board: 'no-such-board' }, { cacheDir, offline: true })).rejects.toSatisfy((e: unknown) => isFlashError(e) && e.code === 'E_CATALOG' && /unknown board "no-such-board"/.test(e.message));
  });
});

describe('fetchCatalogImage', () => {
  it('refuses a placeholder entry at once: not published yet', async () => {
    const t0 = Date.now();
    await expect(fetchCatalogImage({ id: '3os-debian-generic-x86_64', board: 'generic-x86_64' }, { cacheDir })).rejects.toSatisfy(
      (e: unknown) => isFlashError(e) && e.code === 'E_CATALOG' && /not published yet/.test(e.message),
    );
    expect(Date.now() - t0).toBeLessThan(5000);
  });
  it('refuses an image for another board', async () => {
    await expect(fetchCatalogImage({ id: '3os-debian-qemu-virt-arm64', board: 'generic-x86_64' }, { cacheDir })).rejects.toSatisfy((e: unknown) => isFlashError(e) && e.code === 'E_BOARD_MISMATCH');
  });
});
