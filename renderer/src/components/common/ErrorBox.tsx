/** An error in plain words, with what to try, and the engine's exact detail one click away. */
import type { ReactNode } from 'react';
import type { UserError } from '../../../../main/ipc/contract-types.js';

export function ErrorBox({ error, compact = false }: { readonly error: UserError; readonly compact?: boolean }): ReactNode {
  return (
    <div className={compact ? 'error-box compact' : 'error-box'} role="alert">
      <p className="error-title">{error.title}</p>
      {error.hint !== undefined && <p className="error-hint">{error.hint}</p>}
      <details className="error-detail">
        <summary>Details</summary>
        <code>
          {error.code}: {error.detail}
        </code>
      </details>
    </div>
  );
}
