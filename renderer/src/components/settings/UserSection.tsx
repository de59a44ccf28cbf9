/** The login user: name, password (hashed before it is stored), SSH keys, sudo, SSH access. */
import type { ReactNode } from 'react';
import type { ConfigDraft } from '../../state/draft.js';
import { Checkbox } from '../common/Checkbox.js';
import { TextField } from '../common/TextField.js';
import type { FieldIssues } from './issues.js';

export function UserSection({ draft, onChange, issues }: { readonly draft: ConfigDraft; readonly onChange: (p: Partial<ConfigDraft>) => void; readonly issues: FieldIssues }): ReactNode {
  return (
    <fieldset>
      <legend>User and SSH</legend>
      <div className="row">
        <TextField label="User name" name="username" value={draft.username} onChange={(username) => onChange({ username })} error={issues.get('username')} placeholder="ops" />
        <TextField
          label="Password"
          name="password"
          type="password"
          value={draft.password}
          onChange={(password) => onChange({ password })}
          error={issues.get('password')}
          hint={draft.passwordHash !== '' && draft.password === '' ? 'A saved password (hashed) is kept; type to replace it' : 'Stored hashed on the card, never in clear'}
        />
      </div>
      <TextField
        label="SSH public keys (one per line)"
        name="sshKeys"
        value={draft.sshKeys}
        onChange={(sshKeys) => onChange({ sshKeys })}
        error={issues.get('sshKeys')}
        multiline
        wide
        placeholder="ssh-ed25519 AAAA… me@laptop"
      />
      <div className="row toggles">
        <Checkbox label="Administrator (sudo)" checked={draft.sudo} onChange={(sudo) => onChange({ sudo })} />
        <Checkbox label="Enable SSH" checked={draft.sshEnabled} onChange={(sshEnabled) => onChange({ sshEnabled })} />
        <Checkbox label="Allow SSH password login" checked={draft.sshPasswordAuth} onChange={(sshPasswordAuth) => onChange({ sshPasswordAuth })} />
      </div>
    </fieldset>
  );
}
