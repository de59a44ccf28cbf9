/**
 * Step 2: choose the drives. The list is live (drives appear and vanish as they are plugged),
 * several can be selected, and every drive shows the safety rules' verdict for this image.
 * System drives stay hidden unless asked for (and are refused anyway); loop devices appear
 * only with their setting on.
 */
import type { Dispatch, ReactNode } from 'react';
import type { Drive } from '../../../../main/ipc/contract-types.js';
import { useAssessments } from '../../hooks/useAssessments.js';
import type { DriveList } from '../../hooks/useDrives.js';
import { stepBlocker, type FlowAction, type FlowState } from '../../state/flow.js';
import { Checkbox } from '../common/Checkbox.js';
import { DriveRow } from './DriveRow.js';
import { StepNav } from './StepNav.js';

export function TargetsStep({ state, dispatch, drives }: { readonly state: FlowState; readonly dispatch: Dispatch<FlowAction>; readonly drives: DriveList }): ReactNode {
  const disks = drives.entries.filter((e): e is Drive => e.kind !== 'usbboot');
  const usbBoot = drives.entries.filter((e) => e.kind === 'usbboot');
  const visible = disks.filter((d) => state.showSystem || !d.system);
  const hiddenSystem = disks.length - visible.length;
  const views = useAssessments(state.image?.image, visible.map((d) => d.device));
  return (
    <section aria-labelledby="targets-h" className="step">
      <h2 id="targets-h">Choose the drives to write</h2>
      <div className="row toggles">
        <Checkbox label="Show loop devices" checked={state.includeLoop} onChange={(value) => dispatch({ type: 'includeLoop', value })} hint="For testing: attached disk image files" />
        <Checkbox
          label="Show system drives"
          checked={state.showSystem}
          onChange={(value) => dispatch({ type: 'showSystem', value })}
          hint="The drives this computer runs from. They are listed for information and are never written."
        />
      </div>
      {drives.error !== undefined && <p className="problem" role="alert">{drives.error}</p>}
      {drives.loading ? (
        <p aria-live="polite">Looking for drives…</p>
      ) : visible.length === 0 ? (
        <p className="empty" aria-live="polite">
          No drives found. Insert an SD card or USB drive{hiddenSystem > 0 ? ` (${hiddenSystem} system drive${hiddenSystem === 1 ? '' : 's'} hidden)` : ''}.
        </p>
      ) : (
        <ul className="drives" aria-label="Drives">
          {visible.map((d) => (
            <DriveRow key={d.id} drive={d} view={views.get(d.device)} selected={state.selected.includes(d.device)} onToggle={() => dispatch({ type: 'toggleTarget', target: d.device })} />
          ))}
        </ul>
      )}
      {hiddenSystem > 0 && visible.length > 0 && <p className="note">{hiddenSystem} system drive{hiddenSystem === 1 ? ' is' : 's are'} hidden.</p>}
      {usbBoot.map((u) => (
        <p key={u.id} className="note">
          {u.description}: this board is waiting in USB boot mode; run rpiboot to expose its eMMC as a drive.
        </p>
      ))}
      <p aria-live="polite" className="selection">
        {state.selected.length === 0 ? 'No drive selected.' : `${state.selected.length} drive${state.selected.length === 1 ? '' : 's'} selected: ${state.selected.join(', ')}`}
      </p>
      <StepNav onBack={() => dispatch({ type: 'goto', step: 'image' })} onNext={() => dispatch({ type: 'goto', step: 'customise' })} blocker={stepBlocker(state, 'targets')} />
    </section>
  );
}
