/** The station's running tally, drives in flight, and the latest log lines. */
import type { ReactNode } from 'react';
import type { FactoryState } from '../../../../main/ipc/contract-types.js';
import { PHASE_TEXT } from '../../state/format.js';
import { ProgressBar } from '../common/ProgressBar.js';

export function FactoryTally({ state }: { readonly state: FactoryState }): ReactNode {
  return (
    <div className="factory-status">
      <dl className="tally" aria-label="Tally">
        <div>
          <dt>Flashed</dt>
          <dd data-testid="tally-flashed">{state.flashed}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd data-testid="tally-failed">{state.failed}</dd>
        </div>
        <div>
          <dt>In progress</dt>
          <dd>{state.active.length}</dd>
        </div>
        <div>
          <dt>Ignored</dt>
          <dd>{state.skipped}</dd>
        </div>
      </dl>
      {state.message !== undefined && (
        <p role="status" aria-live="polite">
          {state.message}
        </p>
      )}
      {state.reportPath !== undefined && <p className="note">Report: {state.reportPath} (and .csv)</p>}
      <ul className="targets" aria-label="Drives in progress">
        {state.active.map((a) => (
          <li key={a.device} className="target-row running">
            <div className="target-head">
              <span className="target-name">{a.device}</span>
              <span>{a.hostname}</span>
              <span className="target-phase">{PHASE_TEXT[a.phase] ?? a.phase}</span>
            </div>
            <ProgressBar label={`${a.device}: ${a.phase}`} fraction={a.fraction} />
          </li>
        ))}
      </ul>
      {state.lines.length > 0 && (
        <table className="log">
          <caption>Log (newest first)</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Drive</th>
              <th scope="col">Serial</th>
              <th scope="col">Hostname</th>
              <th scope="col">Verified</th>
              <th scope="col">Result</th>
              <th scope="col">Seconds</th>
            </tr>
          </thead>
          <tbody>
            {state.lines.map((l) => (
              <tr key={`${l.time}${l.device}`} className={l.ok ? 'ok' : 'bad'}>
                <td>{new Date(l.time).toLocaleTimeString()}</td>
                <td>{l.device}</td>
                <td>{l.serial}</td>
                <td>{l.hostname}</td>
                <td>{l.verified ? 'yes' : 'no'}</td>
                <td title={l.error}>{l.ok ? 'ok' : (l.error ?? 'failed')}</td>
                <td>{l.seconds.toFixed(0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
