/**
 * The names of every request and event between the UI and the main process, with no
 * dependency at all, so the renderer's transports (preload and the dev-bridge web client) can
 * build the named API from them without pulling schemas into the page. The schemas and result
 * types for each name live in contract.ts, which is checked against these lists.
 */

export const REQUEST_NAMES = [
  'appInfo',
  'watchDrives',
  'assessTargets',
  'describeImage',
  'pickImageFile',
  'checkConfig',
  'listPresets',
  'loadPreset',
  'savePreset',
  'startFlash',
  'cancelFlash',
  'ejectDrive',
  'saveReport',
  'inspectDisk',
  'listSerialPorts',
  'serialOpen',
  'serialCommand',
  'serialPush',
  'serialConsoleWrite',
  'serialClose',
  'factoryStart',
  'factoryStop',
  'listCatalog',
  'fetchCatalogImage',
  'repairDisk',
] as const;

export type RequestName = (typeof REQUEST_NAMES)[number];

export const EVENT_NAMES = ['drives', 'flash', 'serial', 'factory'] as const;

export type EventName = (typeof EVENT_NAMES)[number];

/** Electron IPC channel of a request (ipcMain.handle / ipcRenderer.invoke). */
export function requestChannel(name: RequestName): string {
  return `threeos:${name}`;
}

/** Electron IPC channel of an event (webContents.send / ipcRenderer.on). */
export function eventChannel(name: EventName): string {
  return `threeos:event:${name}`;
}

export function isRequestName(s: unknown): s is RequestName {
  return typeof s === 'string' && (REQUEST_NAMES as readonly string[]).includes(s);
}

export function isEventName(s: unknown): s is EventName {
  return typeof s === 'string' && (EVENT_NAMES as readonly string[]).includes(s);
}
