/** An accessible progress bar (indeterminate when the fraction is unknown). */
import type { ReactNode } from 'react';

export function ProgressBar({ label, fraction, state }: { readonly label: string; readonly fraction: number | undefined; readonly state?: 'ok' | 'failed' | 'running' }): ReactNode {
  const pct = fraction === undefined ? undefined : Math.round(fraction * 100);
  return (
    <div
      className={`progress ${state ?? 'running'}${pct === undefined ? ' indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
    >
      <div className="progress-fill" style={{ width: pct === undefined ? '30%' : `${pct}%` }} />
    </div>
  );
}
