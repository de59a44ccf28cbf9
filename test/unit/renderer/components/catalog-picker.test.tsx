// The image step's catalog picker against the real catalog requests over the bundled catalog:
// choosing a board lists only the images that fit it, and choosing a placeholder image shows the
// catalog's own reason ("not published yet") instead of waiting; a fetched image becomes the
// file to flash.
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { mkdtemp, rm } from 'node:fs/promises';
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
function realCatalogApi(fetchOverride?: (id: string) => Promise<unknown>): ReturnType<typeof fakeApi> {
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
      return wrap(() => listCatalog(p.value, { cacheDir, offline: true }));
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
    await user.selectOptions(screen.getByLabelText('Board'), 'qemu-virt-arm64');
    await waitFor(() => expect(names()).toEqual(['3os (Debian base) for QEMU virt arm64']));
    const item = screen.getAllByTestId('catalog-image')[0];
    expect(item?.textContent).toMatch(/debian · 0\.1\.0 · aarch64 · not published yet/);
    expect(api.calls.filter(([n]) => n === 'listCatalog').map(([, r]) => r)).toEqual([{}, { board: 'qemu-virt-arm64' }]);
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
    await user.selectOptions(screen.getByLabelText('Board'), 'generic-x86_64');
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
