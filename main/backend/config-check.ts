/**
 * Live checking of the settings form: the template filled in for each device the batch will
 * have, validated by the config schema exactly as the flash will do it, with every problem
 * tied to its field path, plus each device's hostname for the preview. Problems shared by
 * every device are reported once; a problem of some devices only names them.
 */
import { configIssuesOf, formatPath, type ConfigIssue } from '../../provisioning/config/issues.js';
import { prepareConfig } from '../../provisioning/config/render.js';
import { expandTemplates } from '../../provisioning/config/templates.js';
import type { ConfigCheck, DevicePreview, UiIssue } from '../ipc/contract-types.js';

export interface DeviceRef {
  readonly index: number;
  readonly serial?: string | undefined;
}

function hostnameOf(config: Readonly<Record<string, unknown>>, d: DeviceRef, date: Date): string | undefined {
  const h = config.hostname;
  if (typeof h !== 'string') return undefined;
  const r = expandTemplates({ hostname: h }, { ...d, date });
  if (r.issues.length > 0) return undefined;
  const v = (r.value as { hostname?: unknown }).hostname;
  return typeof v === 'string' ? v : undefined;
}

function toUi(i: ConfigIssue): UiIssue {
  return { path: i.path, field: formatPath(i.path), message: i.message };
}

export function checkConfig(config: Readonly<Record<string, unknown>>, devices: readonly DeviceRef[], date = new Date()): ConfigCheck {
  const perDevice = new Map<string, { issue: UiIssue; devices: number[] }>();
  const previews: DevicePreview[] = [];
  for (const d of devices) {
    previews.push({ index: d.index, serial: d.serial, hostname: hostnameOf(config, d, date) });
    let found: readonly ConfigIssue[] = [];
    try {
      prepareConfig(config, { device: d, date, what: `device ${d.index}` });
    } catch (e) {
      found = configIssuesOf(e);
      if (found.length === 0) throw e;
    }
    for (const i of found) {
      const ui = toUi(i);
      const key = `${ui.field}\n${ui.message}`;
      const entry = perDevice.get(key) ?? { issue: ui, devices: [] };
      entry.devices.push(d.index);
      perDevice.set(key, entry);
    }
  }
  const issues: UiIssue[] = [];
  for (const { issue, devices: which } of perDevice.values()) {
    issues.push(which.length === devices.length ? issue : { ...issue, scope: `device${which.length === 1 ? '' : 's'} ${which.join(', ')}` });
  }
  const byHost = new Map<string, number[]>();
  for (const p of previews) {
    if (p.hostname === undefined) continue;
    const k = p.hostname.toLowerCase();
    byHost.set(k, [...(byHost.get(k) ?? []), p.index]);
  }
  for (const [host, which] of byHost) {
    if (which.length > 1) issues.push({ path: ['hostname'], field: 'hostname', message: `"${host}" is given to devices ${which.join(', ')}: use {index} or {serial} so each device gets its own name` });
  }
  return { ok: issues.length === 0, issues, devices: previews };
}
