// The Repair page: it says what is rewritten and what is kept, the run button stays off until the
// target is typed again, the request carries that confirmation (and passes the contract's check),
// and the result lists the rewritten partitions and what was kept. Without a repair runner the
// page says so instead of offering the form.
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppInfo } from '../../../../main/ipc/contract-types.js';
import { parseRequest } from '../../../../main/ipc/contract.js';
import { ApiProvider } from '../../../../renderer/src/api/context.js';
import { RepairPage } from '../../../../renderer/src/components/repair/RepairPage.js';
import { fakeApi } from '../fake-api.js';

afterEach(() => cleanup());

const info = (repair: boolean): AppInfo => ({
  name: '3os Flasher',
  version: '0.0.0',
  mode: 'web',
  platform: 'linux',
  features: { catalog: true, repair, seed: true, grow: true, filePicker: false },
});
const drives = { entries: [], loading: false, error: undefined };

describe('repair page', () => {
  it('needs the typed confirmation, then shows what was rewritten and kept', async () => {
    const api = fakeApi({
      repairDisk: (req: never) => {
        const p = parseRequest('repairDisk', req);
        if (!p.ok) return Promise.reject(new Error(p.message));
        return Promise.resolve({
          target: p.value.target,
          partitions: [
            { name: '3os-boot', bytes: 256 * 1024 * 1024, sha256: 'a'.repeat(64) },
            { name: '3os-root-a', bytes: 1024 * 1024 * 1024, sha256: 'b'.repeat(64) },
          ],
          imageJsonUpdated: true,
          kept: ['3os-data', '3os-config (config, result; image.json updated)'],
          seconds: 3.2,
        });
      },
    });
    render(
      <ApiProvider api={api}>
        <RepairPage drives={drives} info={info(true)} />
      </ApiProvider>,
    );
    expect(screen.getByRole('note', { name: 'What repair does' }).textContent).toMatch(/Rewritten:.*3os-boot, 3os-root-a and 3os-root-b.*Kept:.*3os-data/s);
    const user = userEvent.setup();
    const run = screen.getByRole('button', { name: 'Repair OS partitions' });
    await user.type(screen.getByLabelText('Image file or URL'), '/img/3os.img.xz');
    await user.type(screen.getByLabelText('Drive or image file to repair'), '/dev/loop9');
    expect(run).toHaveProperty('disabled', true);
    const confirm = screen.getByLabelText('Type the drive again to confirm');
    await user.type(confirm, '/dev/loop8');
    expect(run).toHaveProperty('disabled', true);
    expect(confirm.getAttribute('aria-invalid')).toBe('true');
    await user.clear(confirm);
    await user.type(confirm, '/dev/loop9');
    expect(run).toHaveProperty('disabled', false);
    await user.click(run);
    await waitFor(() => expect(screen.getByTestId('repair-result').textContent).toMatch(/\/dev\/loop9 repaired/));
    expect(screen.getByTestId('repair-result').textContent).toMatch(/3os-root-a: 1\.00 GiB rewritten and read back.*Kept: 3os-data/s);
    expect(api.calls.filter(([n]) => n === 'repairDisk').map(([, r]) => r)).toEqual([{ image: '/img/3os.img.xz', target: '/dev/loop9', confirm: '/dev/loop9' }]);
  });

  it('says repair is unavailable when the host has no repair runner', () => {
    render(
      <ApiProvider api={fakeApi()}>
        <RepairPage drives={drives} info={info(false)} />
      </ApiProvider>,
    );
    expect(screen.queryByRole('button', { name: 'Repair OS partitions' })).toBeNull();
    expect(screen.getByText(/not available in this build/).textContent).toMatch(/3os-flash repair IMAGE --to TARGET/);
  });
});
