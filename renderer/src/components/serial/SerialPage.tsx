/**
 * Field tool: talk to a device's 3os agent over its serial console. Pick a port (listed, or a
 * typed path), open it, then identify the device, read its status and logs, push the settings
 * from the Settings step, switch the boot slot, reboot; the raw console shows everything else.
 */
import { useEffect, useReducer, useState, type ReactNode } from 'react';
import type { SerialAction, SerialPortView } from '../../../../main/ipc/contract-types.js';
import { useApi } from '../../api/context.js';
import { userErrorOf } from '../../api/client.js';
import { draftToConfig, type ConfigDraft } from '../../state/draft.js';
import { initialSerial, serialReducer } from '../../state/serial.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { TextField } from '../common/TextField.js';
import { ConsoleView } from './ConsoleView.js';
import { SerialActions } from './SerialActions.js';

export function SerialPage({ draft, index }: { readonly draft: ConfigDraft; readonly index: number }): ReactNode {
  const api = useApi();
  const [s, dispatch] = useReducer(serialReducer, initialSerial);
  const [ports, setPorts] = useState<readonly SerialPortView[]>([]);
  useEffect(() => {
    api.listSerialPorts({}).then(setPorts, () => setPorts([]));
    return api.on('serial', (u) => {
      if (u.kind === 'console') dispatch({ type: 'console', text: u.text });
      else dispatch({ type: 'closed', reason: u.reason });
    });
  }, [api]);
  const session = s.session;
  const open = (): void => {
    dispatch({ type: 'busy', what: 'Opening the port…' });
    api.serialOpen({ path: s.path.trim(), baud: s.baud, key: s.key === '' ? undefined : s.key }).then(
      (r) => dispatch({ type: 'opened', session: r.session }),
      (e: unknown) => dispatch({ type: 'error', error: userErrorOf(e) }),
    );
  };
  const close = (): void => {
    if (session !== undefined) void api.serialClose({ session }).finally(() => dispatch({ type: 'closed' }));
  };
  const run = (action: SerialAction, slot?: 'a' | 'b'): void => {
    if (session === undefined) return;
    dispatch({ type: 'busy', what: 'Waiting for the device…' });
    api.serialCommand({ session, action, slot }).then(
      (answer) => dispatch({ type: 'answer', answer }),
      (e: unknown) => dispatch({ type: 'error', error: userErrorOf(e) }),
    );
  };
  const push = (): void => {
    if (session === undefined) return;
    dispatch({ type: 'busy', what: 'Sending the settings…' });
    api.serialPush({ session, config: draftToConfig(draft), index }).then(
      (r) => dispatch({ type: 'answer', answer: { action: 'status', text: `Settings applied by the device (${r.bytes} bytes in ${r.seconds.toFixed(1)} s).\n${JSON.stringify(r.result, null, 2)}`, data: r.result } }),
      (e: unknown) => dispatch({ type: 'error', error: userErrorOf(e) }),
    );
  };
  return (
    <section aria-labelledby="serial-h" className="step">
      <h2 id="serial-h">Serial console</h2>
      <div className="row">
        <label className="field">
          <span>Detected ports</span>
          <select value={ports.some((p) => p.path === s.path) ? s.path : ''} onChange={(e) => dispatch({ type: 'path', value: e.target.value })} disabled={session !== undefined}>
            <option value="">{ports.length === 0 ? '(none found)' : 'Choose…'}</option>
            {ports.map((p) => (
              <option key={p.path} value={p.path}>
                {p.path}
                {p.description === '' ? '' : ` — ${p.description}`}
              </option>
            ))}
          </select>
        </label>
        <TextField label="Port" name="port" value={s.path} onChange={(value) => dispatch({ type: 'path', value })} placeholder="/dev/ttyUSB0" hint="Or type any serial device path" />
        <label className="field">
          <span>Speed</span>
          <select value={s.baud} onChange={(e) => dispatch({ type: 'baud', value: Number(e.target.value) })} disabled={session !== undefined}>
            {[9600, 57600, 115200, 230400, 460800, 921600, 1500000].map((b) => (
              <option key={b} value={b}>
                {b} baud
              </option>
            ))}
          </select>
        </label>
        <TextField label="Serial key (locked devices)" name="serialKey" type="password" value={s.key} onChange={(value) => dispatch({ type: 'key', value })} />
        {session === undefined ? (
          <button type="button" className="primary" onClick={open} disabled={s.path.trim() === '' || s.busy !== undefined}>
            Open
          </button>
        ) : (
          <button type="button" className="secondary" onClick={close}>
            Close
          </button>
        )}
      </div>
      <p className="status" role="status" aria-live="polite">
        {s.busy ?? (session === undefined ? 'Not connected.' : `Connected to ${s.path}.`)}
      </p>
      <SerialActions run={run} push={push} disabled={session === undefined || s.busy !== undefined} />
      {s.error !== undefined && <ErrorBox error={s.error} />}
      {s.answer !== undefined && (
        <div className="answer">
          <h3 id="answer-h">Answer</h3>
          <pre aria-labelledby="answer-h" data-testid="serial-answer">
            {s.answer.text}
          </pre>
        </div>
      )}
      <ConsoleView
        text={s.console}
        disabled={session === undefined}
        onClear={() => dispatch({ type: 'clearConsole' })}
        onSend={(data) => session !== undefined && void api.serialConsoleWrite({ session, data }).catch((e: unknown) => dispatch({ type: 'error', error: userErrorOf(e) }))}
      />
    </section>
  );
}
