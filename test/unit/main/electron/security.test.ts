// The Electron lockdown asserted on the main-process code itself (no Electron binary needed):
// window options, CSP, the app:// origin check, navigation / new-window / permission decisions,
// and the custom protocol's file mapping (no way out of the renderer folder).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAppFile } from '../../../../main/electron/app-files.js';
import { enterHelperMode, helperCommand } from '../../../../main/electron/helper-runner.js';
import {
  APP_START_URL,
  CONTENT_SECURITY_POLICY,
  isAppUrl,
  navigationAllowed,
  permissionAllowed,
  securityHeaders,
  windowOpenDecision,
  windowOptions,
} from '../../../../main/electron/security.js';

describe('window options', () => {
  const o = windowOptions('/app/dist/preload/preload.cjs');
  const w = o.webPreferences ?? {};
  it('isolates the renderer: context isolation, sandbox, no Node', () => {
    expect(w.contextIsolation).toBe(true);
    expect(w.sandbox).toBe(true);
    expect(w.nodeIntegration).toBe(false);
    expect(w.nodeIntegrationInWorker).toBe(false);
    expect(w.nodeIntegrationInSubFrames).toBe(false);
  });
  it('keeps web security on and legacy features off', () => {
    expect(w.webSecurity).toBe(true);
    expect(w.allowRunningInsecureContent).toBe(false);
    expect(w.webviewTag).toBe(false);
    expect(w.experimentalFeatures).toBe(false);
    expect(w.navigateOnDragDrop).toBe(false);
  });
  it('loads the bundled preload and fits 1280x800', () => {
    expect(w.preload).toBe('/app/dist/preload/preload.cjs');
    expect(o.width).toBeLessThanOrEqual(1280);
    expect(o.height).toBeLessThanOrEqual(800);
  });
  it('starts from the custom protocol, not file://', () => {
    expect(APP_START_URL.startsWith('app://threeos/')).toBe(true);
  });
});

describe('content security policy', () => {
  const directives = new Map(CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k ?? '', v]));
  it('denies by default and allows scripts and styles from the app only', () => {
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
  });
  it('has no unsafe-inline, unsafe-eval or remote source anywhere', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|https?:|\*/);
  });
  it('is sent with every app:// response', () => {
    expect(securityHeaders('text/html')['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(securityHeaders('text/html')['X-Content-Type-Options']).toBe('nosniff');
  });
});

describe('origin, navigation, new windows, permissions', () => {
  it.each([
    ['app://threeos/index.html', true],
    ['app://threeos/', true],
    ['app://evil/index.html', false],
    ['app://threeos.evil.com/', false],
    ['app://user:pw@threeos/', false],
    ['file:///app/dist/renderer/index.html', false],
    ['https://threeos/', false],
    ['http://127.0.0.1:5173/', false],
    ['not a url', false],
  ])('isAppUrl(%s) = %s', (url, ok) => {
    expect(isAppUrl(url)).toBe(ok);
    expect(navigationAllowed(url)).toBe(ok);
  });
  it('never opens a window; only https links go to the system browser', () => {
    expect(windowOpenDecision('https://3os.example/docs')).toEqual({ action: 'deny', openExternally: 'https://3os.example/docs' });
    expect(windowOpenDecision('http://3os.example/')).toEqual({ action: 'deny', openExternally: undefined });
    expect(windowOpenDecision('file:///etc/passwd')).toEqual({ action: 'deny', openExternally: undefined });
    expect(windowOpenDecision('javascript:alert(1)')).toEqual({ action: 'deny', openExternally: undefined });
  });
  it('denies every permission request', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'serial', 'usb', 'hid', 'clipboard-read', 'openExternal']) expect(permissionAllowed(p)).toBe(false);
  });
});

describe('app:// file mapping', () => {
  const root = '/app/dist/renderer';
  it('maps pages and assets inside the renderer folder', () => {
    expect(resolveAppFile(root, 'app://threeos/')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://threeos/assets/index-1.js')).toBe(join(root, 'assets/index-1.js'));
  });
  it.each([
    'app://threeos/../../etc/passwd',
    'app://threeos/%2e%2e/%2e%2e/etc/passwd',
    'app://threeos/assets/..%2f..%2f..%2fetc/passwd',
    'app://threeos/%00index.html',
    'app://threeos/..\\..\\secret',
    'app://other/index.html',
    'file:///etc/passwd',
  ])('refuses %s', (url) => {
    const f = resolveAppFile(root, url);
    if (f !== undefined) expect(f.startsWith(`${root}/`)).toBe(true);
    else expect(f).toBeUndefined();
  });
  it('keeps encoded traversal inside the root (the URL parser resolves the dots first)', () => {
    expect(resolveAppFile(root, 'app://threeos/%2e%2e/%2e%2e/etc/passwd')).toBe(join(root, 'etc/passwd'));
  });
});

describe('helper mode (RunAsNode fuse off: the app binary is the helper)', () => {
  it('starts the helper through the same executable', () => {
    expect(helperCommand('/opt/3os/3os-flasher', '/opt/3os/resources/app.asar', true)).toEqual(['/opt/3os/3os-flasher', '--3os-helper', '--no-sandbox']);
    expect(helperCommand('/usr/bin/electron', '/src', false)).toEqual(['/usr/bin/electron', '/src', '--3os-helper', '--no-sandbox']);
  });
  it('rewrites argv so the helper entry reads its own arguments', () => {
    const argv = ['/usr/bin/electron', '/src', '--3os-helper', '--no-sandbox', '--session', 'ab', '--parent-pid', '7'];
    expect(enterHelperMode(argv)).toBe(true);
    expect(argv.slice(2)).toEqual(['--session', 'ab', '--parent-pid', '7']);
    const app = ['/opt/3os/3os-flasher'];
    expect(enterHelperMode(app)).toBe(false);
    expect(app).toEqual(['/opt/3os/3os-flasher']);
  });
});
