/** The agent commands of an open serial session. */
import type { ReactNode } from 'react';
import type { SerialAction } from '../../../../main/ipc/contract-types.js';

export function SerialActions({ run, push, disabled }: { readonly run: (a: SerialAction, slot?: 'a' | 'b') => void; readonly push: () => void; readonly disabled: boolean }): ReactNode {
  const b = (label: string, f: () => void, cls = 'secondary small'): ReactNode => (
    <button type="button" className={cls} onClick={f} disabled={disabled}>
      {label}
    </button>
  );
  return (
    <div className="button-grid" role="group" aria-label="Device commands">
      {b('Hello (identify)', () => run('hello'))}
      {b('Status (last apply)', () => run('status'))}
      {b('Logs', () => run('logs'))}
      {b('Show slots', () => run('slotShow'))}
      {b('Boot slot A next', () => run('slotSet', 'a'))}
      {b('Boot slot B next', () => run('slotSet', 'b'))}
      {b('Mark running slot good', () => run('slotGood'))}
      {b('Push settings', push, 'primary small')}
      {b('Reboot', () => run('reboot'), 'danger small')}
    </div>
  );
}
