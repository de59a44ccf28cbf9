/** A drive picker for the field tools (inspect, repair): the listed drives, "Choose…" when none is picked. */
import type { Drive } from '../../../../main/ipc/contract-types.js';
import { bytesText } from '../../state/format.js';

export function DriveSelect({ disks, value, onChange }: { disks: readonly Drive[]; value: string; onChange: (device: string) => void }) {
  return (
    <label className="field">
      <span>Drive</span>
      <select value={disks.some((d) => d.device === value) ? value : ''} onChange={(e) => onChange(e.target.value)}>
        <option value="">{disks.length === 0 ? '(no drives)' : 'Choose…'}</option>
        {disks.map((d) => (
          <option key={d.id} value={d.device}>
            {d.device} — {d.description} ({bytesText(d.size)})
          </option>
        ))}
      </select>
    </label>
  );
}
