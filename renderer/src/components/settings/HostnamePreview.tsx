/** The hostname each device of the batch will get, as the backend fills in the template. */
import type { ReactNode } from 'react';
import type { DevicePreview } from '../../../../main/ipc/contract-types.js';

export function HostnamePreview({ devices, targets }: { readonly devices: readonly DevicePreview[]; readonly targets: readonly string[] }): ReactNode {
  if (devices.length === 0) return null;
  return (
    <div className="preview" aria-live="polite">
      <h4 id="preview-h">Hostname of each device</h4>
      <ol aria-labelledby="preview-h" className="preview-list">
        {devices.map((d, i) => (
          <li key={d.index}>
            <span className="preview-target">{targets[i] ?? `device ${d.index}`}</span>
            <span aria-hidden="true"> → </span>
            <span className="preview-host" data-testid="preview-host">
              {d.hostname ?? '(no valid hostname)'}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}
