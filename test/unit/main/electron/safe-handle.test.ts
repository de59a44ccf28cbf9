// Every IPC request goes through safeHandler: the sender frame must be the app's own top
// frame, and the payload must pass the contract's schema, before any handler runs.
import { describe, expect, it, vi } from 'vitest';
import type { ClientContext, Handlers } from '../../../../main/ipc/contract.js';
import { REQUEST_NAMES } from '../../../../main/ipc/channels.js';
import { requestSchemas } from '../../../../main/ipc/contract.js';
import { isTrustedSender, safeHandler, type IpcEventLike } from '../../../../main/electron/safe-handle.js';

const client: ClientContext = { id: 'wc-1', emit: () => undefined, onClose: () => undefined };

function fakeHandlers(): { handlers: Handlers; calls: Array<[string, unknown]> } {
  const calls: Array<[string, unknown]> = [];
  const handlers = Object.fromEntries(
    REQUEST_NAMES.map((n) => [
      n,
      (req: unknown) => {
        calls.push([n, req]);
        return Promise.resolve({ fake: n });
      },
    ]),
  ) as unknown as Handlers;
  return { handlers, calls };
}

const event = (url: string | null, id = 1, parent: unknown = null): IpcEventLike => ({ sender: { id }, senderFrame: url === null ? null : { url, parent } });

describe('isTrustedSender', () => {
  it('accepts the top frame of the app page', () => {
    expect(isTrustedSender(event('app://threeos/index.html'))).toBe(true);
  });
  it.each([
    ['a remote page', 'https://evil.example/'],
    ['a file:// page', 'file:///tmp/x.html'],
    ['a look-alike host', 'app://threeos.evil/'],
    ['the dev bridge origin', 'http://127.0.0.1:4000/'],
  ])('refuses %s', (_what, url) => {
    expect(isTrustedSender(event(url))).toBe(false);
  });
  it('refuses a sub-frame even of the app, a missing frame, and an unknown window', () => {
    expect(isTrustedSender(event('app://threeos/index.html', 1, { url: 'app://threeos/' }))).toBe(false);
    expect(isTrustedSender(event(null))).toBe(false);
    expect(isTrustedSender(event('app://threeos/index.html', 9), new Set([1]))).toBe(false);
    expect(isTrustedSender(event('app://threeos/index.html', 1), new Set([1]))).toBe(true);
  });
});

describe('safeHandler', () => {
  it('runs the handler for a trusted sender with a valid payload', async () => {
    const { handlers, calls } = fakeHandlers();
    const h = safeHandler(handlers, 'watchDrives', () => client);
    expect(await h(event('app://threeos/index.html'), { includeLoop: true })).toEqual({ ok: true, value: { fake: 'watchDrives' } });
    expect(calls).toEqual([['watchDrives', { includeLoop: true }]]);
  });
  it('refuses an untrusted sender without running the handler', async () => {
    const { handlers, calls } = fakeHandlers();
    const clientOf = vi.fn(() => client);
    const r = await safeHandler(handlers, 'startFlash', clientOf)(event('https://evil.example/'), { image: '/x.img', targets: ['/dev/sda'], verify: true, grow: true, allowSystemDrive: true });
    expect(r.ok).toBe(false);
    expect(calls).toEqual([]);
    expect(clientOf).not.toHaveBeenCalled();
  });
  it.each([
    ['a missing field', 'watchDrives', {}],
    ['a wrong type', 'watchDrives', { includeLoop: 'yes' }],
    ['an unknown field', 'watchDrives', { includeLoop: true, extra: 1 }],
    ['not an object', 'appInfo', 'hello'],
    ['a NUL in a path', 'inspectDisk', { target: '/dev/sd\0a' }],
    ['no targets', 'startFlash', { image: '/x.img', targets: [], verify: true, grow: true, allowSystemDrive: false }],
    ['a bad checksum', 'startFlash', { image: '/x.img', targets: ['/dev/sdb'], sha256: 'abc', verify: true, grow: true, allowSystemDrive: false }],
    ['a path in a report name', 'saveReport', { fileName: '../../etc/cron.d/x.json', content: '' }],
    ['a forged serial session', 'serialCommand', { session: '../x', action: 'reboot' }],
    ['an unknown serial action', 'serialCommand', { session: '0123456789abcdef0123456789abcdef', action: 'format' }],
  ] as const)('refuses %s with a usage error, handler not run', async (_what, name, payload) => {
    const { handlers, calls } = fakeHandlers();
    const r = await safeHandler(handlers, name, () => client)(event('app://threeos/index.html'), payload);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('E_USAGE');
      expect(r.error.detail).toContain(`invalid ${name} request`);
    }
    expect(calls).toEqual([]);
  });
  it('turns a handler failure into a UserError (not a thrown exception)', async () => {
    const { handlers } = fakeHandlers();
    const failing = { ...handlers, inspectDisk: () => Promise.reject(new Error('boom')) } as Handlers;
    const r = await safeHandler(failing, 'inspectDisk', () => client)(event('app://threeos/'), { target: '/dev/sdb' });
    expect(r).toMatchObject({ ok: false, error: { code: 'E_INTERNAL', detail: 'boom' } });
  });
});

describe('the contract', () => {
  it('has a schema for every request name and no other', () => {
    expect(Object.keys(requestSchemas).sort()).toEqual([...REQUEST_NAMES].sort());
  });
});
