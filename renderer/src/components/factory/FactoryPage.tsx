/**
 * Factory station mode: an image and the settings template from the Settings step; every
 * drive inserted after "Start" that matches the rule is flashed on its own, several at once,
 * each with the next {index}, and logged to the station's report.
 */
import { useEffect, useReducer, useState, type ReactNode } from 'react';
import type { DriveBus, FactoryState, UserError } from '../../../../main/ipc/contract-types.js';
import { useApi } from '../../api/context.js';
import { userErrorOf } from '../../api/client.js';
import { draftToConfig, type ConfigDraft } from '../../state/draft.js';
import { factoryFormProblems, factoryFormReducer, gbToBytes, initialFactoryForm } from '../../state/factory-form.js';
import { Checkbox } from '../common/Checkbox.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { TextField } from '../common/TextField.js';
import { FactoryTally } from './FactoryTally.js';

const BUSES: readonly { readonly bus: DriveBus; readonly label: string }[] = [
  { bus: 'usb', label: 'USB drives and card readers' },
  { bus: 'sd', label: 'Built-in SD slots' },
  { bus: 'emmc', label: 'eMMC' },
  { bus: 'loop', label: 'Loop devices (testing)' },
];

export function FactoryPage({ draft, defaultImage }: { readonly draft: ConfigDraft; readonly defaultImage: string }): ReactNode {
  const api = useApi();
  const [form, dispatch] = useReducer(factoryFormReducer, { ...initialFactoryForm, image: defaultImage });
  const [state, setState] = useState<FactoryState | undefined>();
  const [error, setError] = useState<UserError | undefined>();
  useEffect(() => api.on('factory', setState), [api]);
  const problems = factoryFormProblems(form);
  const running = state?.running === true;
  const start = (): void => {
    setError(undefined);
    api
      .factoryStart({
        image: form.image.trim(),
        config: form.applySettings ? draftToConfig(draft) : undefined,
        rule: { minBytes: gbToBytes(form.minGb), maxBytes: gbToBytes(form.maxGb), buses: form.buses },
        maxParallel: form.maxParallel,
        includeLoop: form.includeLoop || form.buses.includes('loop'),
        firstIndex: form.firstIndex,
      })
      .then(setState, (e: unknown) => setError(userErrorOf(e)));
  };
  const stop = (): void => {
    api.factoryStop({}).then(setState, (e: unknown) => setError(userErrorOf(e)));
  };
  return (
    <section aria-labelledby="factory-h" className="step">
      <h2 id="factory-h">Factory station</h2>
      <p className="note">Every drive inserted after Start that matches the rule is written, verified, grown and given the settings from the Settings step. Drives already plugged in are left alone.</p>
      <fieldset disabled={running}>
        <legend>Station</legend>
        <TextField label="Image file or URL" name="factoryImage" value={form.image} onChange={(image) => dispatch({ type: 'set', patch: { image } })} error={problems.image} wide />
        <div className="row">
          <TextField label="Smallest drive (GB)" name="minGb" value={form.minGb} onChange={(minGb) => dispatch({ type: 'set', patch: { minGb } })} error={problems.minGb} />
          <TextField label="Largest drive (GB)" name="maxGb" value={form.maxGb} onChange={(maxGb) => dispatch({ type: 'set', patch: { maxGb } })} error={problems.maxGb} hint="Empty: no limit" />
          <TextField label="At once" name="maxParallel" type="number" value={String(form.maxParallel)} onChange={(v) => dispatch({ type: 'set', patch: { maxParallel: Math.min(16, Math.max(1, Math.floor(Number(v) || 1))) } })} hint="1-16 drives" />
          <TextField label="First number" name="factoryFirstIndex" type="number" value={String(form.firstIndex)} onChange={(v) => dispatch({ type: 'set', patch: { firstIndex: Math.max(0, Math.floor(Number(v) || 0)) } })} hint="{index} of the first drive" />
        </div>
        <div className="row toggles" role="group" aria-label="Kinds of drive to accept">
          {BUSES.map((b) => (
            <Checkbox key={b.bus} label={b.label} checked={form.buses.includes(b.bus)} onChange={() => dispatch({ type: 'toggleBus', bus: b.bus })} />
          ))}
        </div>
        {problems.buses !== undefined && <p className="problem">{problems.buses}</p>}
        <Checkbox
          label={`Write the settings (hostname template: ${draft.hostname === '' ? 'none' : draft.hostname})`}
          checked={form.applySettings}
          onChange={(applySettings) => dispatch({ type: 'set', patch: { applySettings } })}
        />
      </fieldset>
      <div className="step-nav">
        <span className="spacer" />
        {running ? (
          <button type="button" className="secondary" onClick={stop}>
            Stop station
          </button>
        ) : (
          <button type="button" className="primary" onClick={start} disabled={Object.keys(problems).length > 0}>
            Start station
          </button>
        )}
      </div>
      {error !== undefined && <ErrorBox error={error} />}
      {state !== undefined && <FactoryTally state={state} />}
    </section>
  );
}
