/** Saved settings ("presets"): load one into the form, or save the form under a name. */
import { useEffect, useState, type ReactNode } from 'react';
import type { PresetView } from '../../../../main/ipc/contract-types.js';
import { useApi } from '../../api/context.js';
import { userErrorOf } from '../../api/client.js';
import { configToDraft, draftToConfig, type ConfigDraft } from '../../state/draft.js';

export function PresetBar({ draft, onLoad }: { readonly draft: ConfigDraft; readonly onLoad: (d: ConfigDraft) => void }): ReactNode {
  const api = useApi();
  const [presets, setPresets] = useState<readonly PresetView[]>([]);
  const [chosen, setChosen] = useState('');
  const [name, setName] = useState('');
  const [status, setStatus] = useState('');
  const refresh = (): void => {
    api.listPresets({}).then(setPresets, () => setPresets([]));
  };
  useEffect(refresh, [api]);
  const load = (): void => {
    if (chosen === '') return;
    api.loadPreset({ name: chosen }).then(
      (p) => {
        onLoad(configToDraft(p.config));
        setStatus(`Loaded "${p.name}".`);
      },
      (e: unknown) => setStatus(userErrorOf(e).detail),
    );
  };
  const save = (): void => {
    api.savePreset({ name: name.trim(), config: draftToConfig(draft) }).then(
      (p) => {
        setStatus(`Saved as "${p.name}" (passwords stored hashed).`);
        refresh();
      },
      (e: unknown) => setStatus(userErrorOf(e).detail),
    );
  };
  return (
    <div className="preset-bar" role="group" aria-label="Presets">
      <label>
        Preset{' '}
        <select value={chosen} onChange={(e) => setChosen(e.target.value)}>
          <option value="">{presets.length === 0 ? '(none saved)' : 'Choose…'}</option>
          {presets.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="secondary small" onClick={load} disabled={chosen === ''}>
        Load
      </button>
      <label>
        Save as <input value={name} onChange={(e) => setName(e.target.value)} placeholder="line-3 template" />
      </label>
      <button type="button" className="secondary small" onClick={save} disabled={name.trim() === ''}>
        Save
      </button>
      <span className="status" aria-live="polite">
        {status}
      </span>
    </div>
  );
}
