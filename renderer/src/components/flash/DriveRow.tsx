/**
 * One drive in the target list: what it is, its size and bus, the safety warnings, and, when
 * the rules refuse it, why (the checkbox is then disabled).
 */
import { useId, type ReactNode } from 'react';
import type { Drive, TargetView } from '../../../../main/ipc/contract-types.js';
import { userError } from '../../../../main/ipc/error-text.js';
import { bytesText } from '../../state/format.js';

const BUS_TEXT: Readonly<Record<string, string>> = { usb: 'USB', sd: 'SD card', emmc: 'eMMC', nvme: 'NVMe', sata: 'SATA', scsi: 'SCSI', virtio: 'virtual', loop: 'loop device', nbd: 'network block', file: 'image file', unknown: 'disk' };

export function DriveRow(p: { readonly drive: Drive; readonly view: TargetView | undefined; readonly selected: boolean; readonly onToggle: () => void }): ReactNode {
  const id = useId();
  const refusals = p.view?.refusals ?? [];
  const warnings = p.view?.warnings ?? [];
  const refused = refusals.length > 0;
  const d = p.drive;
  const name = d.description !== '' ? d.description : d.device;
  return (
    <li className={`drive${refused ? ' refused' : ''}${p.selected ? ' selected' : ''}`}>
      <input
        id={id}
        type="checkbox"
        checked={p.selected}
        disabled={refused && !p.selected}
        onChange={p.onToggle}
        aria-describedby={`${id}-why`}
      />
      <label htmlFor={id} className="drive-main">
        <span className="drive-name">{name}</span>
        <span className="drive-meta">
          {d.device} · {bytesText(d.size)} · {BUS_TEXT[d.bus] ?? d.bus}
          {d.serial !== undefined && d.serial !== '' ? ` · serial ${d.serial}` : ''}
          {d.threeOs !== undefined ? ` · holds 3os${d.threeOs.version === undefined ? '' : ` ${d.threeOs.version}`}` : ''}
        </span>
      </label>
      <div id={`${id}-why`} className="drive-why">
        {refusals.map((r) => (
          <p key={r.code + r.message} className="refusal">
            <strong>Cannot be used:</strong> {userError(r.code, r.message).title} <span className="detail">({r.message})</span>
          </p>
        ))}
        {warnings.map((w) => (
          <p key={w.code} className="warning">
            <strong>Check:</strong> {w.message}
          </p>
        ))}
      </div>
    </li>
  );
}
