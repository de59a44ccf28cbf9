/** Hostname (a template for batches) and where the batch numbering starts, with the preview. */
import type { ReactNode } from 'react';
import type { DevicePreview } from '../../../../main/ipc/contract-types.js';
import type { ConfigDraft } from '../../state/draft.js';
import { TextField } from '../common/TextField.js';
import { HostnamePreview } from './HostnamePreview.js';
import type { FieldIssues } from './issues.js';

export interface IdentityProps {
  readonly draft: ConfigDraft;
  readonly onChange: (patch: Partial<ConfigDraft>) => void;
  readonly issues: FieldIssues;
  readonly firstIndex: number;
  readonly onFirstIndex: (n: number) => void;
  readonly devices: readonly DevicePreview[];
  readonly targets: readonly string[];
}

export function IdentitySection(p: IdentityProps): ReactNode {
  return (
    <fieldset>
      <legend>Name</legend>
      <div className="row">
        <TextField
          label="Hostname"
          name="hostname"
          value={p.draft.hostname}
          onChange={(hostname) => p.onChange({ hostname })}
          error={p.issues.get('hostname')}
          placeholder="edge-{index:02}"
          hint="For several devices use {index}, {index:03} (zero-padded), {serial} or {date}"
        />
        <TextField
          label="First number"
          name="firstIndex"
          type="number"
          value={String(p.firstIndex)}
          onChange={(v) => p.onFirstIndex(Math.max(0, Math.floor(Number(v) || 0)))}
          hint="{index} of the first drive"
        />
      </div>
      <HostnamePreview devices={p.devices} targets={p.targets} />
    </fieldset>
  );
}
