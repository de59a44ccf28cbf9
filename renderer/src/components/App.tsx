/**
 * The app shell: the header with its pages (flash, serial, inspect, repair, factory) and the
 * theme switch, the flow state (one pure reducer), the live drive list, and the job events.
 */
import { useEffect, useReducer, useState, type ReactNode } from 'react';
import type { AppInfo, Drive } from '../../../main/ipc/contract-types.js';
import { useApi } from '../api/context.js';
import { useDrives } from '../hooks/useDrives.js';
import { flowReducer, initialFlow } from '../state/flow.js';
import { FactoryPage } from './factory/FactoryPage.js';
import { FlashPage } from './flash/FlashPage.js';
import { InspectPage } from './inspect/InspectPage.js';
import { RepairPage } from './repair/RepairPage.js';
import { SerialPage } from './serial/SerialPage.js';
import { ThemeToggle } from './ThemeToggle.js';

type Page = 'flash' | 'serial' | 'inspect' | 'repair' | 'factory';

const PAGES: readonly { readonly id: Page; readonly label: string }[] = [
  { id: 'flash', label: 'Flash' },
  { id: 'serial', label: 'Serial' },
  { id: 'inspect', label: 'Inspect disk' },
  { id: 'repair', label: 'Repair' },
  { id: 'factory', label: 'Factory station' },
];

export function App({ info }: { readonly info: AppInfo }): ReactNode {
  const api = useApi();
  const [page, setPage] = useState<Page>('flash');
  const [flow, dispatch] = useReducer(flowReducer, initialFlow);
  const drives = useDrives(flow.includeLoop);
  useEffect(() => api.on('flash', (update) => dispatch({ type: 'job', action: { type: 'update', update } })), [api]);
  useEffect(() => {
    if (flow.job === undefined || flow.job.finished) {
      dispatch({ type: 'drivesPresent', devices: drives.entries.filter((e): e is Drive => e.kind !== 'usbboot').map((d) => d.device) });
    }
  }, [drives.entries, flow.job]);
  return (
    <div className="app">
      <header className="topbar">
        <h1>3os Flasher</h1>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <button key={p.id} type="button" className={page === p.id ? 'tab current' : 'tab'} aria-current={page === p.id ? 'page' : undefined} onClick={() => setPage(p.id)}>
              {p.label}
            </button>
          ))}
        </nav>
        <span className="spacer" />
        <span className="mode" title={`version ${info.version}`}>
          {info.mode === 'web' ? 'Browser mode' : 'Desktop'}
        </span>
        <ThemeToggle />
      </header>
      <main>
        {page === 'flash' && <FlashPage state={flow} dispatch={dispatch} info={info} drives={drives} />}
        {page === 'serial' && <SerialPage draft={flow.draft} index={flow.firstIndex} />}
        {page === 'inspect' && <InspectPage drives={drives} />}
        {page === 'repair' && <RepairPage drives={drives} info={info} />}
        {page === 'factory' && <FactoryPage draft={flow.draft} defaultImage={flow.image?.image ?? flow.imageInput} />}
      </main>
    </div>
  );
}
