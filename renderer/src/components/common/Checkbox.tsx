/** A labelled checkbox (the label is clickable and read with the box). */
import { useId, type ReactNode } from 'react';

export function Checkbox(p: { readonly label: string; readonly checked: boolean; readonly onChange: (v: boolean) => void; readonly hint?: string; readonly disabled?: boolean }): ReactNode {
  const id = useId();
  return (
    <div className="checkbox">
      <input id={id} type="checkbox" checked={p.checked} disabled={p.disabled} onChange={(e) => p.onChange(e.target.checked)} aria-describedby={p.hint === undefined ? undefined : `${id}-hint`} />
      <label htmlFor={id}>{p.label}</label>
      {p.hint !== undefined && (
        <small id={`${id}-hint`} className="hint">
          {p.hint}
        </small>
      )}
    </div>
  );
}
