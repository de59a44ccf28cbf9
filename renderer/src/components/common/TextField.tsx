/**
 * A labelled text input with its hint and its problem: the problem is tied to the input with
 * aria-describedby and aria-invalid, so a screen reader says it with the field.
 */
import { useId, type ReactNode } from 'react';

export interface TextFieldProps {
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly error?: string | undefined;
  readonly hint?: string | undefined;
  readonly type?: 'text' | 'password' | 'number';
  readonly placeholder?: string | undefined;
  readonly multiline?: boolean;
  readonly name?: string | undefined;
  readonly autoFocus?: boolean;
  readonly wide?: boolean;
}

export function TextField(p: TextFieldProps): ReactNode {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  const described = [p.hint !== undefined ? hintId : undefined, p.error !== undefined ? errId : undefined].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: p.name,
    value: p.value,
    placeholder: p.placeholder,
    'aria-invalid': p.error !== undefined,
    'aria-describedby': described,
    autoFocus: p.autoFocus,
    spellCheck: false,
  };
  return (
    <div className={`field${p.wide === true ? ' wide' : ''}${p.error !== undefined ? ' invalid' : ''}`}>
      <label htmlFor={id}>{p.label}</label>
      {p.multiline === true ? (
        <textarea {...common} rows={3} onChange={(e) => p.onChange(e.target.value)} />
      ) : (
        <input {...common} type={p.type ?? 'text'} onChange={(e) => p.onChange(e.target.value)} />
      )}
      {p.hint !== undefined && (
        <small id={hintId} className="hint">
          {p.hint}
        </small>
      )}
      {p.error !== undefined && (
        <small id={errId} className="problem">
          {p.error}
        </small>
      )}
    </div>
  );
}
