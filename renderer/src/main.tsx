/**
 * Renderer entry: find the API (window.threeos from the Electron preload, else the dev
 * bridge's WebSocket), ask what this build can do, and show the app.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { REQUEST_NAMES } from '../../main/ipc/channels.js';
import type { ThreeOsApi } from '../../main/ipc/contract.js';
import type { BridgeApi } from '../../main/preload/bridge-api.js';
import { fromBridge, userErrorOf } from './api/client.js';
import { ApiProvider } from './api/context.js';
import { connectWeb } from './api/web-client.js';
import { App } from './components/App.js';
import './styles.css';

declare global {
  interface Window {
    readonly threeos?: BridgeApi;
  }
}

async function connect(): Promise<ThreeOsApi> {
  const bridge = window.threeos;
  return bridge === undefined ? connectWeb(window.location) : fromBridge(bridge, REQUEST_NAMES);
}

const rootEl = document.getElementById('root');
if (rootEl === null) throw new Error('no #root element');
const root = createRoot(rootEl);

connect()
  .then(async (api) => {
    const info = await api.appInfo({});
    root.render(
      <StrictMode>
        <ApiProvider api={api}>
          <App info={info} />
        </ApiProvider>
      </StrictMode>,
    );
  })
  .catch((e: unknown) => {
    const u = userErrorOf(e);
    root.render(
      <div className="fatal" role="alert">
        <h1>3os Flasher cannot start</h1>
        <p>{u.detail}</p>
      </div>,
    );
  });
