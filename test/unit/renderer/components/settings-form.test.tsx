// The settings form with the real config check behind it: validation messages appear at the
// field they belong to (announced with it), and the hostname template's preview shows each
// device's name as the user types.
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { useState, type ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiProvider } from '../../../../renderer/src/api/context.js';
import { SettingsForm } from '../../../../renderer/src/components/settings/SettingsForm.js';
import { useConfigCheck } from '../../../../renderer/src/hooks/useConfigCheck.js';
import { emptyDraft, type ConfigDraft } from '../../../../renderer/src/state/draft.js';
import { fakeApi } from '../fake-api.js';

function Harness({ targets }: { readonly targets: readonly string[] }): ReactNode {
  const [draft, setDraft] = useState<ConfigDraft>(emptyDraft);
  const [first, setFirst] = useState(1);
  const devices = targets.map((_, i) => ({ index: first + i }));
  const { check } = useConfigCheck(draft, devices, 0);
  return <SettingsForm draft={draft} onChange={(p) => setDraft((d) => ({ ...d, ...p }))} check={check} firstIndex={first} onFirstIndex={setFirst} targets={targets} />;
}

function setup(targets: readonly string[]): ReturnType<typeof userEvent.setup> {
  render(
    <ApiProvider api={fakeApi()}>
      <Harness targets={targets} />
    </ApiProvider>,
  );
  return userEvent.setup();
}

const hosts = (): string[] => screen.queryAllByTestId('preview-host').map((e) => e.textContent ?? '');

afterEach(() => cleanup());

describe('hostname template preview', () => {
  it("shows each device's hostname as the template is typed", async () => {
    const user = setup(['/dev/loop1', '/dev/loop2', '/dev/loop3']);
    // user-event reads "{" as a key name; "{{" types one brace.
    await user.type(screen.getByLabelText('Hostname'), 'edge-{{index:02}');
    await waitFor(() => expect(hosts()).toEqual(['edge-01', 'edge-02', 'edge-03']));
    const list = screen.getByRole('list', { name: 'Hostname of each device' });
    expect(list.textContent).toContain('/dev/loop2');
  });
  it('follows the first number', async () => {
    const user = setup(['/dev/sdb', '/dev/sdc']);
    await user.type(screen.getByLabelText('Hostname'), 'node-{{index:03}');
    const first = screen.getByLabelText('First number');
    await user.clear(first);
    await user.type(first, '41');
    await waitFor(() => expect(hosts()).toEqual(['node-041', 'node-042']));
  });
  it('says when two devices would get the same name', async () => {
    const user = setup(['/dev/sdb', '/dev/sdc']);
    const field = screen.getByLabelText('Hostname');
    await user.type(field, 'edge');
    await waitFor(() => expect(field.getAttribute('aria-invalid')).toBe('true'));
    const describedBy = (field.getAttribute('aria-describedby') ?? '').split(' ');
    const problem = describedBy.map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
    expect(problem).toMatch(/"edge" is given to devices 1, 2/);
  });
  it('reports an unknown template variable at the hostname', async () => {
    const user = setup(['/dev/sdb']);
    await user.type(screen.getByLabelText('Hostname'), 'edge-{{idx}');
    await waitFor(() => expect(screen.getByText(/unknown template variable \{idx\}/)).toBeTruthy());
  });
});

describe('validation messages', () => {
  it('marks the user name field with the schema reason, and clears it when fixed', async () => {
    const user = setup(['/dev/sdb']);
    const name = screen.getByLabelText('User name');
    await user.type(name, 'Bad Name');
    await waitFor(() => expect(name.getAttribute('aria-invalid')).toBe('true'));
    const errId = (name.getAttribute('aria-describedby') ?? '').split(' ').find((id) => id.endsWith('-err'));
    expect(errId).toBeDefined();
    expect(document.getElementById(errId ?? '')?.textContent).toMatch(/user ?name|lower|letters/i);
    await user.clear(name);
    await user.type(name, 'ops');
    await waitFor(() => expect(name.getAttribute('aria-invalid')).toBe('false'));
  });
  it('puts Wi-Fi problems at the passphrase and the country', async () => {
    const user = setup(['/dev/sdb']);
    await user.type(screen.getByLabelText('Wi-Fi network (SSID)'), 'shop');
    await user.type(screen.getByLabelText('Wi-Fi passphrase'), 'short');
    await user.type(screen.getByLabelText('Wi-Fi country'), 'XX');
    await waitFor(() => {
      expect(screen.getByLabelText('Wi-Fi passphrase').getAttribute('aria-invalid')).toBe('true');
      expect(screen.getByLabelText('Wi-Fi country').getAttribute('aria-invalid')).toBe('true');
    });
    expect(screen.getByLabelText('Wi-Fi network (SSID)').getAttribute('aria-invalid')).toBe('false');
  });
  it('checks a static address and the container rows', async () => {
    const user = setup(['/dev/sdb']);
    await user.click(screen.getByLabelText(/Wired: static address/));
    await user.type(screen.getByLabelText('Address/prefix'), '300.1.1.1/24');
    await user.click(screen.getByRole('button', { name: 'Add container' }));
    await user.type(screen.getByLabelText('Container 1 name'), 'Bad Name!');
    await user.type(screen.getByLabelText('Image'), 'docker.io/eclipse-mosquitto:2');
    await waitFor(() => {
      expect(screen.getByLabelText('Address/prefix').getAttribute('aria-invalid')).toBe('true');
      expect(screen.getByLabelText('Container 1 name').getAttribute('aria-invalid')).toBe('true');
    });
    expect(screen.getByLabelText('Image').getAttribute('aria-invalid')).toBe('false');
  });
  it('shows no problem for a complete, valid form', async () => {
    const user = setup(['/dev/sdb']);
    await user.type(screen.getByLabelText('Hostname'), 'edge-{{index:02}');
    await user.type(screen.getByLabelText('User name'), 'ops');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.type(screen.getByLabelText('Time zone'), 'Europe/Berlin');
    await user.type(screen.getByLabelText('Locale'), 'de_DE.UTF-8');
    await user.type(screen.getByLabelText('Keyboard layout'), 'de');
    await act(() => new Promise((r) => setTimeout(r, 30)));
    await waitFor(() => expect(hosts()).toEqual(['edge-01']));
    expect(document.querySelectorAll('[aria-invalid="true"]')).toHaveLength(0);
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
