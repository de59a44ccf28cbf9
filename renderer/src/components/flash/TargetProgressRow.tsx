/**
 * One target of a running or finished job: its phase, progress, speed and ETA while writing;
 * its own outcome when done (verified, grown, settings written) or its own error.
 */
import type { ReactNode } from 'react';
import { PHASE_TEXT, bytesText, etaText, speedText } from '../../state/format.js';
import { rowFraction, type TargetRow } from '../../state/job.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { ProgressBar } from '../common/ProgressBar.js';

function Outcome({ row }: { readonly row: TargetRow }): ReactNode {
  const r = row.result;
  // A failed drive shows its error instead (ErrorBox); "not verified" would only repeat it.
  if (r === undefined || !r.ok) return null;
  return (
    <ul className="outcome" aria-label={`Result for ${row.target}`}>
      <li className={r.verified ? 'ok' : 'bad'}>{r.verified ? 'Verified: what was written reads back identical' : 'Not verified'}</li>
      {r.grown !== undefined && (
        <li className="ok">
          Data volume grown to {bytesText(r.grown.dataBytes)} (drive {bytesText(r.grown.diskSize)})
        </li>
      )}
      {r.seeded !== undefined && <li className="ok">Settings written{r.seeded.hostname === undefined ? '' : `: hostname ${r.seeded.hostname}`}</li>}
    </ul>
  );
}

export function TargetProgressRow({ row, onEject, ejectText }: { readonly row: TargetRow; readonly onEject?: (() => void) | undefined; readonly ejectText?: string | undefined }): ReactNode {
  const state = row.phase === 'done' ? 'ok' : row.phase === 'failed' ? 'failed' : 'running';
  const running = state === 'running';
  return (
    <li className={`target-row ${state}`} data-testid="target-row" data-target={row.target} data-state={state}>
      <div className="target-head">
        <span className="target-name">{row.target}</span>
        <span className="target-phase" aria-live="polite">
          {PHASE_TEXT[row.phase] ?? row.phase}
        </span>
        {running && row.total !== undefined && (
          <span className="target-numbers">
            {bytesText(row.bytes)} of {bytesText(row.total)} {speedText(row.speed)} {etaText(row.eta)}
          </span>
        )}
      </div>
      <ProgressBar label={`${row.target}: ${PHASE_TEXT[row.phase] ?? row.phase}`} fraction={rowFraction(row)} state={state} />
      {row.error !== undefined && <ErrorBox error={row.error} compact />}
      <Outcome row={row} />
      {onEject !== undefined && (
        <div className="row">
          <button type="button" className="secondary small" onClick={onEject}>
            Eject {row.target}
          </button>
          {ejectText !== undefined && <span className="status">{ejectText}</span>}
        </div>
      )}
    </li>
  );
}
