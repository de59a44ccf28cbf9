/**
 * A ThreeOsApi for component tests: checkConfig runs the real backend check (the real config
 * schema and template engine); the other requests answer from fixtures or fail loudly.
 */
import { checkConfig } from '../../../main/backend/config-check.js';
import { REQUEST_NAMES } from '../../../main/ipc/channels.js';
import type { ThreeOsApi } from '../../../main/ipc/contract.js';

export function fakeApi(overrides: Partial<Record<string, (req: never) => Promise<unknown>>> = {}): ThreeOsApi & { calls: Array<[string, unknown]> } {
  const calls: Array<[string, unknown]> = [];
  const api: Record<string, unknown> = { calls };
  for (const n of REQUEST_NAMES) {
    api[n] = (req: unknown) => {
      calls.push([n, req]);
      const o = overrides[n] as ((r: unknown) => Promise<unknown>) | undefined;
      if (o !== undefined) return o(req);
      if (n === 'checkConfig') {
        const r = req as { config: Record<string, unknown>; devices: { index: number; serial?: string }[] };
        return Promise.resolve(checkConfig(r.config, r.devices));
      }
      if (n === 'listPresets') return Promise.resolve([]);
      return Promise.reject(new Error(`fake API: ${n} not expected in this test`));
    };
  }
  api.on = () => () => undefined;
  return api as unknown as ThreeOsApi & { calls: Array<[string, unknown]> };
}
