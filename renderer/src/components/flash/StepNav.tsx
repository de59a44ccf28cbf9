/** Back / Next buttons of a flow step, with the reason Next is not possible yet. */
import type { ReactNode } from 'react';

export function StepNav(p: { readonly onBack?: (() => void) | undefined; readonly onNext?: (() => void) | undefined; readonly nextLabel?: string; readonly blocker?: string | undefined; readonly danger?: boolean }): ReactNode {
  return (
    <div className="step-nav">
      {p.onBack !== undefined && (
        <button type="button" className="secondary" onClick={p.onBack}>
          Back
        </button>
      )}
      <span className="spacer" />
      {p.blocker !== undefined && <span className="blocker">{p.blocker}</span>}
      {p.onNext !== undefined && (
        <button type="button" className={p.danger === true ? 'danger' : 'primary'} onClick={p.onNext} disabled={p.blocker !== undefined}>
          {p.nextLabel ?? 'Next'}
        </button>
      )}
    </div>
  );
}
