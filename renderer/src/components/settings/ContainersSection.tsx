/** Containers started on first boot: name, image reference, published ports. */
import type { ReactNode } from 'react';
import type { ConfigDraft, ContainerRow } from '../../state/draft.js';
import { TextField } from '../common/TextField.js';
import type { FieldIssues } from './issues.js';

export function ContainersSection({ draft, onChange, issues }: { readonly draft: ConfigDraft; readonly onChange: (p: Partial<ConfigDraft>) => void; readonly issues: FieldIssues }): ReactNode {
  const set = (i: number, patch: Partial<ContainerRow>): void => onChange({ containers: draft.containers.map((r, n) => (n === i ? { ...r, ...patch } : r)) });
  return (
    <fieldset>
      <legend>Containers</legend>
      {draft.containers.length === 0 && <p className="note">No containers.</p>}
      {draft.containers.map((r, i) => (
        <div className="row" key={i}>
          <TextField label={`Container ${i + 1} name`} value={r.name} onChange={(name) => set(i, { name })} error={issues.get(`containers.${i}.name`)} placeholder="mqtt" />
          <TextField label="Image" value={r.image} onChange={(image) => set(i, { image })} error={issues.get(`containers.${i}.image`)} placeholder="docker.io/eclipse-mosquitto:2" />
          <TextField label="Ports" value={r.ports} onChange={(ports) => set(i, { ports })} error={issues.get(`containers.${i}.ports`)} placeholder="1883:1883" />
          <button type="button" className="secondary small" aria-label={`Remove container ${i + 1}`} onClick={() => onChange({ containers: draft.containers.filter((_, n) => n !== i) })}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="secondary small" onClick={() => onChange({ containers: [...draft.containers, { name: '', image: '', ports: '' }] })}>
        Add container
      </button>
    </fieldset>
  );
}
