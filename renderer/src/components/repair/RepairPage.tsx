/**
 * Repair: rewrite the OS slots (3os-boot, 3os-root-a, 3os-root-b) of a used 3os device from an
 * image and keep its data volume and settings. The page says exactly what is rewritten and what
 * is kept, asks for the target to be typed again as confirmation, runs the backend's repair and
 * shows what was rewritten (read back and compared) and what was kept.
 */
import { useState, type ReactNode } from 'react';
import type { AppInfo, Drive, RepairView, UserError } from '../../../../main/ipc/contract-types.js';
import { useApi } from '../../api/context.js';
import { userErrorOf } from '../../api/client.js';
import type { DriveList } from '../../hooks/useDrives.js';
import { bytesText } from '../../state/format.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { DriveSelect } from '../common/DriveSelect.js';
import { TextField } from '../common/TextField.js';

function Result({ r }: { readonly r: RepairView }): ReactNode {
  return (
    <div className="card" data-testid="repair-result" role="status">
      <p>
        <strong>{r.target} repaired</strong> in {r.seconds.toFixed(1)} s.
      </p>
      <ul>
        {r.partitions.map((p) => (
          <li key={p.name}>
            {p.name}: {bytesText(p.bytes)} rewritten and read back
          </li>
        ))}
        <li>3os/image.json {r.imageJsonUpdated ? 'updated to the new image' : 'not updated (the image has none)'}</li>
      </ul>
      <p>Kept: {r.kept.join('; ')}.</p>
    </div>
  );
}

export function RepairPage({ drives, info }: { readonly drives: DriveList; readonly info: AppInfo }): ReactNode {
  const api = useApi();
  const [image, setImage] = useState('');
  const [target, setTarget] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<RepairView | undefined>();
  const [error, setError] = useState<UserError | undefined>();
  const disks = drives.entries.filter((e): e is Drive => e.kind !== 'usbboot' && !e.system);
  const t = target.trim();
  const ready = image.trim() !== '' && t !== '' && confirm.trim() === t && !busy;
  const run = (): void => {
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    api.repairDisk({ image: image.trim(), target: t, confirm: confirm.trim() }).then(
      (r) => {
        setResult(r);
        setBusy(false);
        setConfirm('');
      },
      (e: unknown) => {
        setError(userErrorOf(e));
        setBusy(false);
      },
    );
  };
  return (
    <section aria-labelledby="repair-h" className="step">
      <h2 id="repair-h">Repair a device</h2>
      <div className="warning-panel" role="note" aria-label="What repair does">
        <p>
          <strong>Rewritten:</strong> the operating system partitions 3os-boot, 3os-root-a and 3os-root-b, copied from the image and read back.
          Any change made to the system partitions is lost, and the device boots slot A again.
        </p>
        <p>
          <strong>Kept:</strong> the 3os-data volume (/etc, /home, containers) is not written; on 3os-config only 3os/image.json is replaced — the
          settings (config.yaml) and the device&apos;s first-boot result stay.
        </p>
        <p>The disk must already be a 3os disk whose partitions are large enough for the image&apos;s; that is checked before anything is written.</p>
      </div>
      {!info.features.repair ? (
        <p className="note">
          Repair is not available in this build of the app yet (it needs the privileged writer): use <code>3os-flash repair IMAGE --to TARGET</code>.
        </p>
      ) : (
        <div className="repair-form">
          <TextField label="Image file or URL" name="repairImage" value={image} onChange={setImage} placeholder="/path/to/3os-debian.img.xz or https://…" wide />
          <div className="row">
            <DriveSelect disks={disks} value={target} onChange={setTarget} />
            <TextField label="Drive or image file to repair" name="repairTarget" value={target} onChange={setTarget} placeholder="/dev/sdb or /path/to/disk.img" />
          </div>
          <TextField
            label="Type the drive again to confirm"
            name="repairConfirm"
            value={confirm}
            onChange={setConfirm}
            placeholder={t === '' ? 'choose a drive first' : t}
            hint={t === '' ? undefined : `Type ${t} to allow rewriting its OS partitions.`}
            error={confirm.trim() !== '' && confirm.trim() !== t ? 'does not match the drive above' : undefined}
          />
          <div>
            <button type="button" className="danger" onClick={run} disabled={!ready}>
              {busy ? 'Repairing…' : 'Repair OS partitions'}
            </button>
          </div>
          {busy && (
            <p className="note" role="status">
              Decoding the image, rewriting and reading back the OS partitions…
            </p>
          )}
        </div>
      )}
      {error !== undefined && <ErrorBox error={error} />}
      {result !== undefined && <Result r={result} />}
    </section>
  );
}
