/** Storage policy: logical volumes to create or size in the data volume group. */
import type { ReactNode } from 'react';
import type { ConfigDraft, VolumeRow } from '../../state/draft.js';
import { TextField } from '../common/TextField.js';
import type { FieldIssues } from './issues.js';

export function StorageSection({ draft, onChange, issues }: { readonly draft: ConfigDraft; readonly onChange: (p: Partial<ConfigDraft>) => void; readonly issues: FieldIssues }): ReactNode {
  const set = (i: number, patch: Partial<VolumeRow>): void => onChange({ volumes: draft.volumes.map((r, n) => (n === i ? { ...r, ...patch } : r)) });
  return (
    <fieldset>
      <legend>Storage</legend>
      <p className="note">By default the data volume grows to fill the drive. Add volumes to give them fixed sizes (e.g. 8G) or a share of the rest (e.g. 50%FREE).</p>
      {draft.volumes.map((v, i) => (
        <div className="row" key={i}>
          <TextField label={`Volume ${i + 1} name`} value={v.name} onChange={(name) => set(i, { name })} error={issues.get(`volumes.${i}.name`)} placeholder="containers" />
          <TextField label="Size" value={v.size} onChange={(size) => set(i, { size })} error={issues.get(`volumes.${i}.size`)} placeholder="8G or 100%FREE" />
          <TextField label="Mount point" value={v.mountpoint} onChange={(mountpoint) => set(i, { mountpoint })} error={issues.get(`volumes.${i}.mountpoint`)} placeholder="/var/lib/containers" />
          <button type="button" className="secondary small" aria-label={`Remove volume ${i + 1}`} onClick={() => onChange({ volumes: draft.volumes.filter((_, n) => n !== i) })}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="secondary small" onClick={() => onChange({ volumes: [...draft.volumes, { name: '', size: '', mountpoint: '' }] })}>
        Add volume
      </button>
    </fieldset>
  );
}
