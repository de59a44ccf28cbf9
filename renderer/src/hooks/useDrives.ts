/** The live drive list: starts the backend's hot-plug watcher and follows its events. */
import { useEffect, useState } from 'react';
import type { DriveEntry } from '../../../main/ipc/contract-types.js';
import { useApi } from '../api/context.js';
import { userErrorOf } from '../api/client.js';

export interface DriveList {
  readonly entries: readonly DriveEntry[];
  readonly loading: boolean;
  readonly error: string | undefined;
}

export function useDrives(includeLoop: boolean): DriveList {
  const api = useApi();
  const [state, setState] = useState<DriveList>({ entries: [], loading: true, error: undefined });
  useEffect(() => {
    let live = true;
    const off = api.on('drives', (d) => {
      if (live) setState({ entries: d.entries, loading: false, error: d.error });
    });
    api.watchDrives({ includeLoop }).then(
      (entries) => live && setState({ entries, loading: false, error: undefined }),
      (e: unknown) => live && setState((s) => ({ ...s, loading: false, error: userErrorOf(e).detail })),
    );
    return () => {
      live = false;
      off();
    };
  }, [api, includeLoop]);
  return state;
}
