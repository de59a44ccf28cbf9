/**
 * Live check of the settings: the backend validates the config filled in for each device
 * (debounced while typing) and returns the problems by field plus each device's hostname.
 */
import { useEffect, useState } from 'react';
import type { ConfigCheck } from '../../../main/ipc/contract-types.js';
import { useApi } from '../api/context.js';
import { userErrorOf } from '../api/client.js';
import { draftToConfig, type ConfigDraft } from '../state/draft.js';

export interface DeviceRefView {
  readonly index: number;
  readonly serial?: string | undefined;
}

export function useConfigCheck(draft: ConfigDraft, devices: readonly DeviceRefView[], delayMs = 150): { readonly check: ConfigCheck | undefined; readonly error: string | undefined } {
  const api = useApi();
  const [state, setState] = useState<{ check: ConfigCheck | undefined; error: string | undefined }>({ check: undefined, error: undefined });
  const devKey = JSON.stringify(devices);
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      const devs = JSON.parse(devKey) as DeviceRefView[];
      api.checkConfig({ config: draftToConfig(draft), devices: devs.length > 0 ? devs : [{ index: 1 }] }).then(
        (check) => live && setState({ check, error: undefined }),
        (e: unknown) => live && setState({ check: undefined, error: userErrorOf(e).detail }),
      );
    }, delayMs);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [api, draft, devKey, delayMs]);
  return state;
}
