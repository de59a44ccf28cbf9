/**
 * Step 4: the job. One row per drive with its own phase and progress; a failing drive shows
 * its own error and the others go on. When every drive is done: the tally, each drive's
 * outcome, eject, the report, and "flash more".
 */
import { useState, type Dispatch, type ReactNode } from 'react';
import { useApi } from '../../api/context.js';
import { userErrorOf } from '../../api/client.js';
import type { FlowAction, FlowState } from '../../state/flow.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { ReportActions } from './ReportActions.js';
import { TargetProgressRow } from './TargetProgressRow.js';

export function FlashStep({ state, dispatch }: { readonly state: FlowState; readonly dispatch: Dispatch<FlowAction> }): ReactNode {
  const api = useApi();
  const [ejects, setEjects] = useState<Readonly<Record<string, string>>>({});
  const job = state.job;
  if (job === undefined) return null;
  const rows = job.order.map((t) => job.rows[t]).filter((r) => r !== undefined);
  const ok = rows.filter((r) => r.phase === 'done').length;
  const failed = rows.filter((r) => r.phase === 'failed').length;
  const eject = (target: string): void => {
    setEjects((e) => ({ ...e, [target]: 'Ejecting…' }));
    api.ejectDrive({ target }).then(
      (r) => setEjects((e) => ({ ...e, [target]: r.ejected ? 'Ejected: safe to remove.' : `Not ejected (${r.method}); safe to remove now that writing is done.` })),
      (err: unknown) => setEjects((e) => ({ ...e, [target]: userErrorOf(err).title })),
    );
  };
  return (
    <section aria-labelledby="flash-h" className="step">
      <h2 id="flash-h">{job.finished ? 'Finished' : 'Flashing'}</h2>
      <p className="summary" role="status" aria-live="polite">
        {job.finished
          ? `${ok} of ${rows.length} drive${rows.length === 1 ? '' : 's'} written successfully${failed > 0 ? `, ${failed} failed` : ''}.`
          : `Writing ${rows.length} drive${rows.length === 1 ? '' : 's'}… Do not remove them.`}
      </p>
      {job.failure !== undefined && <ErrorBox error={job.failure} />}
      <ul className="targets" aria-label="Drives being written">
        {rows.map((r) => (
          <TargetProgressRow key={r.target} row={r} onEject={job.finished && r.phase === 'done' ? () => eject(r.target) : undefined} ejectText={ejects[r.target]} />
        ))}
      </ul>
      {job.messages.length > 0 && (
        <details>
          <summary>Messages</summary>
          <ul>
            {job.messages.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
        </details>
      )}
      {job.finished ? (
        <>
          <ReportActions job={job} image={state.image?.image ?? state.imageInput} />
          <div className="step-nav">
            <span className="spacer" />
            <button type="button" className="primary" onClick={() => dispatch({ type: 'flashAgain' })}>
              Flash more drives
            </button>
          </div>
        </>
      ) : (
        <div className="step-nav">
          <span className="spacer" />
          <button type="button" className="secondary" disabled={job.jobId === undefined} onClick={() => job.jobId !== undefined && void api.cancelFlash({ jobId: job.jobId })}>
            Cancel
          </button>
        </div>
      )}
    </section>
  );
}
