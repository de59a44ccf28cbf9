/**
 * Electron main process (`npm run app`, or the packaged app). Serves the UI from the app://
 * protocol with the CSP of security.ts, opens one locked-down window, answers the contract's
 * requests through safeHandler (sender check + schema validation), and sends events only to
 * the window that asked. Started with --3os-helper it is instead the privileged writer helper
 * (no window), because the RunAsNode fuse is off.
 *
 * This file is the thin Electron glue: everything it uses is tested under plain Node.
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell, type WebContents } from 'electron';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend, type Backend } from '../backend/backend.js';
import { EVENT_NAMES, REQUEST_NAMES, eventChannel, requestChannel, type EventName } from '../ipc/channels.js';
import type { ClientContext } from '../ipc/contract.js';
import type { Events } from '../ipc/contract-types.js';
import { contentTypeOf, resolveAppFile } from './app-files.js';
import { enterHelperMode, helperCommand, helperRunner } from './helper-runner.js';
import { safeHandler, type IpcEventLike } from './safe-handle.js';
import { APP_SCHEME, APP_START_URL, navigationAllowed, permissionAllowed, securityHeaders, windowOpenDecision, windowOptions } from './security.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const appDir = join(here, '..', '..', '..');

function sendEvent<E extends EventName>(wc: WebContents, name: E, payload: Events[E]): void {
  if (!wc.isDestroyed()) wc.send(eventChannel(name), payload);
}

function clientFor(wc: WebContents, clients: Map<number, ClientContext>): ClientContext {
  const known = clients.get(wc.id);
  if (known !== undefined) return known;
  const closers: Array<() => void | Promise<void>> = [];
  const c: ClientContext = {
    id: `wc-${wc.id}`,
    emit: (name, payload) => sendEvent(wc, name, payload),
    onClose: (fn) => void closers.push(fn),
  };
  clients.set(wc.id, c);
  wc.once('destroyed', () => {
    clients.delete(wc.id);
    for (const f of closers) void Promise.resolve(f()).catch(() => undefined);
  });
  return c;
}

function lockDown(): void {
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (ev, url) => {
      if (!navigationAllowed(url)) ev.preventDefault();
    });
    contents.on('will-redirect', (ev, url) => {
      if (!navigationAllowed(url)) ev.preventDefault();
    });
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      const d = windowOpenDecision(url);
      if (d.openExternally !== undefined) void shell.openExternal(d.openExternally);
      return { action: 'deny' };
    });
  });
}

function serveApp(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (req) => {
    const file = resolveAppFile(rendererDir, req.url);
    if (file === undefined) return new Response('not found', { status: 404 });
    try {
      return new Response(await readFile(file), { headers: securityHeaders(contentTypeOf(file)) });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}

function registerHandlers(backend: Backend, trusted: Set<number>): void {
  const clients = new Map<number, ClientContext>();
  const clientOf = (e: IpcEventLike): ClientContext => {
    const wc = BrowserWindow.getAllWindows().find((w) => w.webContents.id === e.sender.id)?.webContents;
    if (wc === undefined) throw new Error('request from a window that is gone');
    return clientFor(wc, clients);
  };
  for (const name of REQUEST_NAMES) ipcMain.handle(requestChannel(name), safeHandler(backend.handlers, name, clientOf, trusted));
  void EVENT_NAMES; // events are sent by sendEvent only
}

async function startApp(): Promise<void> {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  lockDown();
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(permissionAllowed(permission)));
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => permissionAllowed(permission));
  serveApp(join(appDir, 'dist', 'renderer'));
  const backend = createBackend({
    mode: 'electron',
    version: app.getVersion(),
    runPlan: helperRunner(helperCommand(process.execPath, appDir, app.isPackaged)),
    dataDir: app.getPath('userData'),
    features: { seed: true, grow: true, filePicker: true },
    pickFile: async () => {
      const r = await dialog.showOpenDialog({ properties: ['openFile'], filters: [{ name: 'Disk images', extensions: ['img', 'xz', 'gz', 'zst', 'bz2', 'zip', 'raw', 'iso'] }] });
      return r.canceled ? undefined : r.filePaths[0];
    },
    saveFile: async (fileName, content) => {
      const r = await dialog.showSaveDialog({ defaultPath: fileName });
      if (r.canceled || r.filePath === undefined) return undefined;
      const { writeFile } = await import('node:fs/promises');
      await writeFile(r.filePath, content, { mode: 0o600 });
      return r.filePath;
    },
  });
  const trusted = new Set<number>();
  registerHandlers(backend, trusted);
  const win = new BrowserWindow(windowOptions(join(appDir, 'dist', 'preload', 'preload.cjs')));
  trusted.add(win.webContents.id);
  win.once('ready-to-show', () => win.show());
  await win.loadURL(APP_START_URL);
  app.on('window-all-closed', () => {
    void backend.close().finally(() => app.quit());
  });
}

if (enterHelperMode(process.argv)) {
  await import('../helper/entry.js');
} else {
  await startApp();
}
