/**
 * The renderer's lockdown as plain data and pure decisions, so tests assert them without the
 * Electron binary: the BrowserWindow options (context isolation, sandbox, no Node), the Content
 * Security Policy, the custom `app://` origin the UI is served from (never file://), which
 * navigations are allowed (none away from the app), new windows (denied; http(s) links go to the
 * system browser) and permission requests (all denied: the UI needs no camera, USB or
 * notifications from Chromium; drives and serial ports are the main process's business).
 */
import type { BrowserWindowConstructorOptions } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'threeos';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

/** Everything from the app's own origin only; no inline script, no eval, no remote anything. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: '3os Flasher',
    backgroundColor: '#10151c',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: process.env.THREEOS_DEVTOOLS === '1',
    },
  };
}

/** True for a URL of the app's own origin (parsed, never string-prefixed). */
export function isAppUrl(url: string | undefined): boolean {
  if (url === undefined) return false;
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** Navigation inside the app is fine (its own pages); anything else is stopped. */
export function navigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

export type OpenDecision = { readonly action: 'deny'; readonly openExternally: string | undefined };

/** New windows are never created; an https link is handed to the system browser instead. */
export function windowOpenDecision(url: string): OpenDecision {
  try {
    const u = new URL(url);
    return { action: 'deny', openExternally: u.protocol === 'https:' ? u.toString() : undefined };
  } catch {
    return { action: 'deny', openExternally: undefined };
  }
}

/** Every Chromium permission request (media, geolocation, notifications, HID, serial, USB...). */
export function permissionAllowed(_permission: string): boolean {
  return false;
}

/** Response headers for every app:// page and asset. */
export function securityHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
  };
}
