/**
 * The preload of the app window (sandboxed; bundled to dist/preload/preload.cjs by
 * `npm run build:preload`, since a sandboxed preload cannot load other files). It exposes
 * window.threeos, the named API of bridge-api.ts, and nothing else.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { buildBridgeApi } from './bridge-api.js';

contextBridge.exposeInMainWorld('threeos', buildBridgeApi(ipcRenderer));
