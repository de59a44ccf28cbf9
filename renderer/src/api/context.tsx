/** React context holding the ThreeOsApi, so components never reach a transport directly. */
import { createContext, useContext, type ReactNode } from 'react';
import type { ThreeOsApi } from '../../../main/ipc/contract.js';

const ApiContext = createContext<ThreeOsApi | undefined>(undefined);

export function ApiProvider({ api, children }: { readonly api: ThreeOsApi; readonly children: ReactNode }): ReactNode {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): ThreeOsApi {
  const api = useContext(ApiContext);
  if (api === undefined) throw new Error('useApi outside ApiProvider');
  return api;
}
