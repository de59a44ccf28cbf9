/** Wi-Fi (network, passphrase, country) and the wired network (DHCP or a static address). */
import type { ReactNode } from 'react';
import type { ConfigDraft } from '../../state/draft.js';
import { TextField } from '../common/TextField.js';
import type { FieldIssues } from './issues.js';

export function NetworkSection({ draft, onChange, issues }: { readonly draft: ConfigDraft; readonly onChange: (p: Partial<ConfigDraft>) => void; readonly issues: FieldIssues }): ReactNode {
  return (
    <fieldset>
      <legend>Network</legend>
      <div className="row">
        <TextField label="Wi-Fi network (SSID)" name="wifiSsid" value={draft.wifiSsid} onChange={(wifiSsid) => onChange({ wifiSsid })} error={issues.get('wifiSsid')} />
        <TextField
          label="Wi-Fi passphrase"
          name="wifiPassword"
          type="password"
          value={draft.wifiPassword}
          onChange={(wifiPassword) => onChange({ wifiPassword })}
          error={issues.get('wifiPassword')}
          hint={draft.wifiPsk !== '' && draft.wifiPassword === '' ? 'A saved key is kept' : '8-63 characters'}
        />
        <TextField
          label="Wi-Fi country"
          name="wifiCountry"
          value={draft.wifiCountry}
          onChange={(wifiCountry) => onChange({ wifiCountry })}
          error={issues.get('wifiCountry')}
          placeholder="DE"
          hint="Two letters; sets the legal radio channels"
        />
      </div>
      <div className="radio-row" role="radiogroup" aria-label="Wired network">
        <label>
          <input type="radio" name="network" checked={draft.network === 'dhcp'} onChange={() => onChange({ network: 'dhcp' })} /> Wired: automatic (DHCP)
        </label>
        <label>
          <input type="radio" name="network" checked={draft.network === 'static'} onChange={() => onChange({ network: 'static' })} /> Wired: static address
        </label>
      </div>
      {draft.network === 'static' && (
        <div className="row">
          <TextField label="Address/prefix" name="ethAddress" value={draft.ethAddress} onChange={(ethAddress) => onChange({ ethAddress })} error={issues.get('ethAddress')} placeholder="192.168.1.50/24" />
          <TextField label="Gateway" name="ethGateway" value={draft.ethGateway} onChange={(ethGateway) => onChange({ ethGateway })} error={issues.get('ethGateway')} placeholder="192.168.1.1" />
          <TextField label="DNS servers" name="ethDns" value={draft.ethDns} onChange={(ethDns) => onChange({ ethDns })} error={issues.get('ethDns')} placeholder="1.1.1.1, 9.9.9.9" />
        </div>
      )}
    </fieldset>
  );
}
