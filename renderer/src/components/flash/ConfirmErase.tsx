/** The last question before writing: which drives will be erased. */
import type { ReactNode } from 'react';

export function ConfirmErase({ targets, onCancel, onConfirm }: { readonly targets: readonly string[]; readonly onCancel: () => void; readonly onConfirm: () => void }): ReactNode {
  return (
    <div className="confirm" role="alertdialog" aria-labelledby="confirm-h" aria-describedby="confirm-d">
      <h3 id="confirm-h">Erase and write {targets.length === 1 ? 'this drive' : `these ${targets.length} drives`}?</h3>
      <p id="confirm-d">
        Everything on {targets.join(', ')} will be replaced by the image. Drives the computer has mounted are unmounted first. This cannot be undone.
      </p>
      <div className="step-nav">
        <button type="button" className="secondary" onClick={onCancel} autoFocus>
          Cancel
        </button>
        <span className="spacer" />
        <button type="button" className="danger" onClick={onConfirm}>
          Erase and flash
        </button>
      </div>
    </div>
  );
}
