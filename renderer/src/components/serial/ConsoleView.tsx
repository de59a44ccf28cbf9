/** The raw serial console: what the device prints (protocol frames hidden), and a line to send. */
import { useEffect, useRef, useState, type ReactNode } from 'react';

export function ConsoleView({ text, onSend, onClear, disabled }: { readonly text: string; readonly onSend: (line: string) => void; readonly onClear: () => void; readonly disabled: boolean }): ReactNode {
  const [line, setLine] = useState('');
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (pre.current !== null) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text]);
  return (
    <div className="console">
      <h3 id="console-h">Console</h3>
      <pre ref={pre} aria-labelledby="console-h" tabIndex={0} data-testid="console">
        {text === '' ? '(nothing received yet)' : text}
      </pre>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          onSend(`${line}\n`);
          setLine('');
        }}
      >
        <label className="grow">
          <span className="sr-only">Line to send</span>
          <input value={line} onChange={(e) => setLine(e.target.value)} disabled={disabled} placeholder="Type a line and press Enter" aria-label="Line to send" />
        </label>
        <button type="submit" className="secondary small" disabled={disabled}>
          Send
        </button>
        <button type="button" className="secondary small" onClick={onClear}>
          Clear
        </button>
      </form>
    </div>
  );
}
