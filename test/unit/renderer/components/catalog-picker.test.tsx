// The image step's catalog picker against the real catalog requests over the bundled catalog:
// the boards grouped with the Raspberry Pi first (names, drawings, badges), choosing a board lists
// only the images that fit it (a GPT image is not offered for a Pi 3), and choosing a placeholder
// image shows the catalog's own reason ("not published yet") instead of waiting; a fetched image
// becomes the file to flash.
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchCatalogImage, listCatalog } from '../../../../main/backend/catalog-service.js';
import { parseRequest } from '../../../../main/ipc/contract.js';
import { userErrorOf } from '../../../../main/backend/user-error-of.js';
import { ApiError } from '../../../../renderer/src/api/client.js';
import { ApiProvider } from '../../../../renderer/src/api/context.js';
import { CatalogPicker } from '../../../../renderer/src/components/flash/CatalogPicker.js';
import { fakeApi } from '../fake-api.js';

let cacheDir = '';
beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), '3os-catalog-ui-'));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});
afterEach(() => cleanup());

/** The real handlers behind the contract's validation, failing the way the transports do. */
function realCatalogApi(fetchOverride?: (id: string) => Promise<unknown>, extra: { catalogs?: string[]; trustUnsigned?: boolean } = {}): ReturnType<typeof fakeApi> {
  const wrap = async <T,>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw new ApiError(userErrorOf(e));
    }
  };
  return fakeApi({
    listCatalog: (req: never) => {
      const p = parseRequest('listCatalog', req);
      if (!p.ok) return Promise.reject(new Error(p.message));
      return wrap(() => listCatalog(p.value, { cacheDir, offline: true, ...extra }));
    },
    fetchCatalogImage: (req: never) => {
      const p = parseRequest('fetchCatalogImage', req);
      if (!p.ok) return Promise.reject(new Error(p.message));
      return fetchOverride !== undefined ? fetchOverride(p.value.id) : wrap(() => fetchCatalogImage(p.value, { cacheDir }));
    },
  });
}

const names = (): string[] => screen.queryAllByTestId('catalog-image').map((e) => e.querySelector('strong')?.textContent ?? '');

describe('catalog picker', () => {
  it('lists every image, then only those fitting the chosen board', async () => {
    const api = realCatalogApi();
    render(
      <ApiProvider api={api}>
        <CatalogPicker onChosen={() => undefined} />
      </ApiProvider>,
    );
    await waitFor(() => expect(names().length).toBeGreaterThanOrEqual(2));
    expect(names()).toContain('3os (Debian base) for x86-64 PCs');
    expect(names()).toContain('3os (Debian base) for QEMU virt arm64');
    const user = userEvent.setup();
    await user.click(screen.getByRole('radio', { name: 'QEMU virt (arm64, UEFI)' }));
    await waitFor(() => expect(names()).toEqual(['3os (Debian base) for QEMU virt arm64']));
    const item = screen.getAllByTestId('catalog-image')[0];
    expect(item?.textContent).toMatch(/debian · 0\.1\.0 · aarch64 · not published yet/);
    expect(api.calls.filter(([n]) => n === 'listCatalog').map(([, r]) => r)).toEqual([{}, { board: 'qemu-virt-arm64' }]);
  });

  it('groups the boards with the Raspberry Pi first, each with its name, drawing and badges', async () => {
    render(
      <ApiProvider api={realCatalogApi()}>
        <CatalogPicker onChosen={() => undefined} />
      </ApiProvider>,
    );
    await waitFor(() => expect(screen.getAllByTestId('board-card').length).toBeGreaterThan(0));
    const groups = screen.getAllByRole('group').filter((g) => g.classList.contains('board-group'));
    expect(groups.map((g) => g.getAttribute('aria-label'))).toEqual(['Raspberry Pi', 'PCs and UEFI boards']);
    const piCards = within(groups[0] as HTMLElement).getAllByRole('radio').map((r) => r.getAttribute('aria-label'));
    expect(piCards).toEqual([
      'Raspberry Pi 3 Model B / B+', 'Raspberry Pi Zero 2 W', 'Raspberry Pi 4 Model B', 'Raspberry Pi 400',
      'Raspberry Pi Compute Module 4', 'Raspberry Pi 5', 'Raspberry Pi Compute Module 5',
    ]);
    for (const card of screen.getAllByTestId('board-card')) expect(card.querySelector('svg.board-icon')).not.toBeNull();
    const facts = (name: string): string => {
      const id = screen.getByRole('radio', { name }).getAttribute('aria-describedby') ?? '';
      return document.getElementById(id)?.textContent ?? '';
    };
    expect(facts('Raspberry Pi 3 Model B / B+')).toBe('aarch64 · BCM2837Wi-FiUSB bootMBR only');
    expect(facts('Raspberry Pi Zero 2 W')).toBe('aarch64 · BCM2710A1Wi-FiUSB consoleMBR only');
    expect(facts('Raspberry Pi 5')).toBe('aarch64 · BCM2712Wi-FiUSB bootUSB console');
    expect(facts('Raspberry Pi Compute Module 4')).toBe('aarch64 · BCM2711Wi-Fi on some modelsUSB bootrpiboot (eMMC over USB)USB console (by carrier)');
  });

  it('offers for a Pi 3 only the images whose partition table its firmware boots', async () => {
    const file = join(cacheDir, 'pi-catalog.json');
    const pi = (id: string, partitionTable: string): Record<string, unknown> => ({
      id, name: id, flavor: 'debian', version: '1', arch: 'aarch64', boards: ['rpi-3b', 'rpi-4b'], released: '2026-12-01', url: `${id}.img.zst`, download: {}, partitionTable,
    });
    await writeFile(file, JSON.stringify({ version: 1, name: 'pi', images: [pi('pi-gpt', 'gpt'), pi('pi-mbr', 'mbr')] }));
    const api = realCatalogApi(undefined, { catalogs: [file], trustUnsigned: true });
    render(
      <ApiProvider api={api}>
        <CatalogPicker onChosen={() => undefined} />
      </ApiProvider>,
    );
    const user = userEvent.setup();
    await waitFor(() => expect(names()).toContain('pi-gpt'));
    await user.click(screen.getByRole('radio', { name: 'Raspberry Pi 3 Model B / B+' }));
    await waitFor(() => expect(names().filter((n) => n.startsWith('pi-'))).toEqual(['pi-mbr']));
    expect(screen.getByRole<HTMLInputElement>('radio', { name: 'Raspberry Pi 3 Model B / B+' }).checked).toBe(true);
    await user.click(screen.getByRole('radio', { name: 'Raspberry Pi 4 Model B' }));
    await waitFor(() => expect(names().filter((n) => n.startsWith('pi-'))).toEqual(['pi-gpt', 'pi-mbr']));
    await user.click(screen.getByRole('radio', { name: 'Raspberry Pi 5' }));
    await waitFor(() => expect(api.calls.filter(([n]) => n === 'listCatalog').at(-1)?.[1]).toEqual({ board: 'rpi-5' }));
    await waitFor(() => expect(names().filter((n) => n.startsWith('pi-'))).toEqual([]));
  });

  it("shows the catalog's reason when an image is not published yet", async () => {
    const chosen: string[] = [];
    render(
      <ApiProvider api={realCatalogApi()}>
        <CatalogPicker onChosen={(f) => chosen.push(f)} />
      </ApiProvider>,
    );
    const user = userEvent.setup();
    await waitFor(() => expect(names().length).toBeGreaterThan(0));
    await user.click(screen.getByRole('radio', { name: 'Generic x86-64 PC (UEFI)' }));
    await waitFor(() => expect(names()).toEqual(['3os (Debian base) for x86-64 PCs']));
    await user.click(screen.getByRole('button', { name: 'Use 3os (Debian base) for x86-64 PCs' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/catalog cannot provide this image/);
    expect(screen.getByTestId('catalog-error-detail').textContent).toMatch(/3os-debian-generic-x86_64 is not published yet/);
    expect(chosen).toEqual([]);
  });

  it('hands the verified local file on once the backend fetched it', async () => {
    const chosen: string[] = [];
    const api = realCatalogApi((id) => Promise.resolve({ id, image: '/cache/images/abc', sha256: undefined, downloaded: true, trust: 'signed by key 70D3E952CEB536A4' }));
    render(
      <ApiProvider api={api}>
        <CatalogPicker onChosen={(f) => chosen.push(f)} />
      </ApiProvider>,
    );
    const user = userEvent.setup();
    await waitFor(() => expect(names().length).toBeGreaterThan(0));
    await user.click(screen.getByRole('button', { name: 'Use 3os (Debian base) for QEMU virt arm64' }));
    await waitFor(() => expect(chosen).toEqual(['/cache/images/abc']));
    expect(screen.getByRole('status').textContent).toMatch(/downloaded, checked \(signed by key 70D3E952CEB536A4\)/);
    expect(api.calls.find(([n]) => n === 'fetchCatalogImage')?.[1]).toEqual({ id: '3os-debian-qemu-virt-arm64' });
  });
});
