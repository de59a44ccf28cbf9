/**
 * Step 3: the settings every selected device gets (or none: write the image as it is), checked
 * live, then the confirmation and the start of the job.
 */
import { useMemo, useState, type Dispatch, type ReactNode } from 'react';
import type { AppInfo, Drive } from '../../../../main/ipc/contract-types.js';
import { useApi } from '../../api/context.js';
import { userErrorOf } from '../../api/client.js';
import { useConfigCheck } from '../../hooks/useConfigCheck.js';
import { draftToConfig } from '../../state/draft.js';
import type { FlowAction, FlowState } from '../../state/flow.js';
import { Checkbox } from '../common/Checkbox.js';
import { PresetBar } from '../settings/PresetBar.js';
import { SettingsForm } from '../settings/SettingsForm.js';
import { ConfirmErase } from './ConfirmErase.js';
import { StepNav } from './StepNav.js';

export interface CustomiseProps {
  readonly state: FlowState;
  readonly dispatch: Dispatch<FlowAction>;
  readonly info: AppInfo;
  readonly drives: readonly Drive[];
}

export function CustomiseStep({ state, dispatch, info, drives }: CustomiseProps): ReactNode {
  const api = useApi();
  const [confirming, setConfirming] = useState(false);
  const devices = useMemo(
    () => state.selected.map((t, i) => ({ index: state.firstIndex + i, serial: drives.find((d) => d.device === t)?.serial })),
    [state.selected, state.firstIndex, drives],
  );
  const { check, error } = useConfigCheck(state.draft, devices);
  const notThreeOs = state.image?.format === 'raw' && state.image.threeOs === undefined;
  const blocker = state.applySettings && check !== undefined && !check.ok ? 'Fix the settings marked in red first.' : undefined;
  const start = (): void => {
    setConfirming(false);
    dispatch({ type: 'flashStarting' });
    api
      .startFlash({
        image: state.image?.image ?? state.imageInput,
        targets: state.selected,
        config: state.applySettings ? draftToConfig(state.draft) : undefined,
        firstIndex: state.firstIndex,
        verify: true,
        grow: true,
        allowSystemDrive: false,
      })
      .then(
        (r) => dispatch({ type: 'job', action: { type: 'started', jobId: r.jobId } }),
        (e: unknown) => dispatch({ type: 'job', action: { type: 'startFailed', error: userErrorOf(e) } }),
      );
  };
  return (
    <section aria-labelledby="custom-h" className="step">
      <h2 id="custom-h">Settings for the devices</h2>
      <Checkbox
        label="Write these settings to each drive"
        checked={state.applySettings}
        onChange={(value) => dispatch({ type: 'applySettings', value })}
        hint="Off: the image is written as it is, and the device uses its defaults."
      />
      {!info.features.seed && (
        <p className="note">This build writes and verifies the image only; push the settings afterwards from the Serial page.</p>
      )}
      {notThreeOs && state.applySettings && <p className="warning">This image is not a 3os image: the settings can only be written to 3os images.</p>}
      {error !== undefined && <p className="problem">{error}</p>}
      {state.applySettings && (
        <>
          <PresetBar draft={state.draft} onLoad={(d) => dispatch({ type: 'draft', patch: d })} />
          <SettingsForm
            draft={state.draft}
            onChange={(patch) => dispatch({ type: 'draft', patch })}
            check={check}
            firstIndex={state.firstIndex}
            onFirstIndex={(value) => dispatch({ type: 'firstIndex', value })}
            targets={state.selected}
          />
        </>
      )}
      {confirming ? (
        <ConfirmErase targets={state.selected} onCancel={() => setConfirming(false)} onConfirm={start} />
      ) : (
        <StepNav
          onBack={() => dispatch({ type: 'goto', step: 'targets' })}
          onNext={() => setConfirming(true)}
          nextLabel={`Flash ${state.selected.length} drive${state.selected.length === 1 ? '' : 's'}`}
          blocker={blocker}
          danger
        />
      )}
    </section>
  );
}
