/**
 * The whole settings form (one config template for every selected drive): sections for name,
 * user, network, region, containers and storage; each field shows its own problem from the
 * backend's live check; problems with no field of their own are listed on top.
 */
import type { ReactNode } from 'react';
import type { ConfigCheck } from '../../../../main/ipc/contract-types.js';
import type { ConfigDraft } from '../../state/draft.js';
import { ContainersSection } from './ContainersSection.js';
import { IdentitySection } from './IdentitySection.js';
import { groupIssues } from './issues.js';
import { NetworkSection } from './NetworkSection.js';
import { RegionSection } from './RegionSection.js';
import { StorageSection } from './StorageSection.js';
import { UserSection } from './UserSection.js';

export interface SettingsFormProps {
  readonly draft: ConfigDraft;
  readonly onChange: (patch: Partial<ConfigDraft>) => void;
  readonly check: ConfigCheck | undefined;
  readonly firstIndex: number;
  readonly onFirstIndex: (n: number) => void;
  readonly targets: readonly string[];
}

export function SettingsForm(p: SettingsFormProps): ReactNode {
  const issues = groupIssues(p.check?.issues ?? []);
  const general = issues.get('general');
  return (
    <form className="settings" aria-label="Device settings" onSubmit={(e) => e.preventDefault()} noValidate>
      {general !== undefined && (
        <p className="problem" role="alert">
          {general}
        </p>
      )}
      <IdentitySection draft={p.draft} onChange={p.onChange} issues={issues} firstIndex={p.firstIndex} onFirstIndex={p.onFirstIndex} devices={p.check?.devices ?? []} targets={p.targets} />
      <UserSection draft={p.draft} onChange={p.onChange} issues={issues} />
      <NetworkSection draft={p.draft} onChange={p.onChange} issues={issues} />
      <RegionSection draft={p.draft} onChange={p.onChange} issues={issues} />
      <ContainersSection draft={p.draft} onChange={p.onChange} issues={issues} />
      <StorageSection draft={p.draft} onChange={p.onChange} issues={issues} />
    </form>
  );
}
