/** Where the user is in the flow (read as a list; the current step is marked for screen readers). */
import type { ReactNode } from 'react';
import { STEPS, type Step } from '../../state/flow.js';

export function Stepper({ current }: { readonly current: Step }): ReactNode {
  const at = STEPS.findIndex((s) => s.id === current);
  return (
    <ol className="stepper" aria-label="Steps">
      {STEPS.map((s, i) => (
        <li key={s.id} className={i === at ? 'current' : i < at ? 'past' : ''} aria-current={i === at ? 'step' : undefined}>
          <span className="num">{i + 1}</span> {s.label}
        </li>
      ))}
    </ol>
  );
}
