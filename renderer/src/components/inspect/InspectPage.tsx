/**
 * Field tool: what is on a drive or image file, read-only: its 3os partitions, the image build
 * (3os/image.json), its settings (3os/config.yaml, secrets masked) and what its first boot
 * reported (3os/result.json).
 */
import { useState, type ReactNode } from 'react';
import type { DiskInspection, Drive, UserError } from '../../../../main/ipc/contract-types.js';
import { useApi } from '../../api/context.js';
import { userErrorOf } from '../../api/client.js';
import type { DriveList } from '../../hooks/useDrives.js';
import { bytesText } from '../../state/format.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { DriveSelect } from '../common/DriveSelect.js';
import { TextField } from '../common/TextField.js';

function Result({ r }: { readonly r: DiskInspection }): ReactNode {
  return (
    <div className="inspect" data-testid="inspect-result">
      <p>
        <strong>{r.target}</strong>: {bytesText(r.size)}, {r.table === undefined ? 'no readable partition table' : `${r.table.toUpperCase()} partition table`}, {r.is3os ? '3os layout' : 'not a 3os disk'}.
      </p>
      {r.notes.map((n) => (
        <p key={n} className="note">
          {n}
        </p>
      ))}
      {r.partitions.length > 0 && (
        <table>
          <caption>3os partitions</caption>
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Name</th>
              <th scope="col">Starts at</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {r.partitions.map((p) => (
              <tr key={p.role}>
                <td>{p.role}</td>
                <td>{p.label}</td>
                <td>{bytesText(p.start)}</td>
                <td>{bytesText(p.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r.image !== undefined && (
        <>
          <h3>Image (3os/image.json)</h3>
          <pre>{JSON.stringify(r.image, null, 2)}</pre>
        </>
      )}
      {r.configYaml !== undefined && (
        <>
          <h3>Settings (3os/config.yaml, secrets hidden)</h3>
          <pre data-testid="inspect-config">{r.configYaml}</pre>
        </>
      )}
      {r.result !== undefined && (
        <>
          <h3>First boot result (3os/result.json)</h3>
          <pre>{JSON.stringify(r.result, null, 2)}</pre>
        </>
      )}
    </div>
  );
}

export function InspectPage({ drives }: { readonly drives: DriveList }): ReactNode {
  const api = useApi();
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<DiskInspection | undefined>();
  const [error, setError] = useState<UserError | undefined>();
  const disks = drives.entries.filter((e): e is Drive => e.kind !== 'usbboot' && !e.system);
  const inspect = (): void => {
    setBusy(true);
    setError(undefined);
    api.inspectDisk({ target: target.trim() }).then(
      (r) => {
        setResult(r);
        setBusy(false);
      },
      (e: unknown) => {
        setResult(undefined);
        setError(userErrorOf(e));
        setBusy(false);
      },
    );
  };
  return (
    <section aria-labelledby="inspect-h" className="step">
      <h2 id="inspect-h">Inspect a disk</h2>
      <p className="note">Reads the drive or image file; nothing is written.</p>
      <div className="row">
        <DriveSelect disks={disks} value={target} onChange={setTarget} />
        <TextField label="Drive or image file" name="inspectTarget" value={target} onChange={setTarget} placeholder="/dev/sdb or /path/to/disk.img" />
        <button type="button" className="primary" onClick={inspect} disabled={target.trim() === '' || busy}>
          {busy ? 'Reading…' : 'Inspect'}
        </button>
      </div>
      {error !== undefined && <ErrorBox error={error} />}
      {result !== undefined && <Result r={result} />}
    </section>
  );
}
