/** Time zone, locale and keyboard layout. */
import type { ReactNode } from 'react';
import type { ConfigDraft } from '../../state/draft.js';
import { TextField } from '../common/TextField.js';
import type { FieldIssues } from './issues.js';

export function RegionSection({ draft, onChange, issues }: { readonly draft: ConfigDraft; readonly onChange: (p: Partial<ConfigDraft>) => void; readonly issues: FieldIssues }): ReactNode {
  return (
    <fieldset>
      <legend>Region</legend>
      <div className="row">
        <TextField label="Time zone" name="timezone" value={draft.timezone} onChange={(timezone) => onChange({ timezone })} error={issues.get('timezone')} placeholder="Europe/Berlin" />
        <TextField label="Locale" name="locale" value={draft.locale} onChange={(locale) => onChange({ locale })} error={issues.get('locale')} placeholder="en_US.UTF-8" />
        <TextField label="Keyboard layout" name="keyboard" value={draft.keyboard} onChange={(keyboard) => onChange({ keyboard })} error={issues.get('keyboard')} placeholder="us" />
      </div>
    </fieldset>
  );
}
