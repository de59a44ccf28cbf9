/**
 * Factory station mode, the pure part: which inserted drive the rule accepts, the station's
 * state as a reducer (tally, devices in flight, recent log lines), and a log line's CSV form.
 * The service (factory-service.ts) feeds it drive and job events.
 */
import type { Drive } from '../../flasher/drives/types.js';
import type { FactoryActive, FactoryLine, FactoryRule, FactoryState } from '../ipc/contract-types.js';

const REMOVABLE_BUSES = new Set(['usb', 'sd', 'emmc']);
export const MAX_LINES_KEPT = 200;

/** Undefined when the rule accepts the drive, else why not. */
export function ruleRejects(drive: Drive, rule: FactoryRule): string | undefined {
  if (drive.system) return 'system drive';
  if (drive.readOnly) return 'read-only';
  if (drive.kind === 'file') return 'image file';
  const buses: readonly string[] = rule.buses;
  if (buses.length > 0 ? !buses.includes(drive.bus) : !REMOVABLE_BUSES.has(drive.bus)) return `bus ${drive.bus} not in the rule`;
  if (drive.size < rule.minBytes) return `smaller than the rule's minimum (${drive.size} bytes)`;
  if (rule.maxBytes > 0 && drive.size > rule.maxBytes) return `larger than the rule's maximum (${drive.size} bytes)`;
  return undefined;
}

export type FactoryAction =
  | { readonly type: 'started'; readonly reportPath: string }
  | { readonly type: 'stopped'; readonly message?: string | undefined }
  | { readonly type: 'skipped'; readonly device: string; readonly reason: string }
  | { readonly type: 'begin'; readonly device: string; readonly hostname: string }
  | { readonly type: 'progress'; readonly device: string; readonly phase: string; readonly fraction: number | undefined }
  | { readonly type: 'finished'; readonly line: FactoryLine };

export const initialFactoryState: FactoryState = { running: false, flashed: 0, failed: 0, skipped: 0, active: [], lines: [], reportPath: undefined };

function updateActive(active: readonly FactoryActive[], device: string, f: (a: FactoryActive) => FactoryActive): FactoryActive[] {
  return active.map((a) => (a.device === device ? f(a) : a));
}

export function factoryReducer(state: FactoryState, action: FactoryAction): FactoryState {
  switch (action.type) {
    case 'started':
      return { ...initialFactoryState, running: true, reportPath: action.reportPath, message: 'Waiting for drives: insert a card or USB drive.' };
    case 'stopped':
      return { ...state, running: false, message: action.message ?? 'Station stopped.' };
    case 'skipped':
      return { ...state, skipped: state.skipped + 1, message: `${action.device} ignored: ${action.reason}` };
    case 'begin':
      return { ...state, active: [...state.active.filter((a) => a.device !== action.device), { device: action.device, hostname: action.hostname, phase: 'starting', fraction: 0 }] };
    case 'progress':
      return { ...state, active: updateActive(state.active, action.device, (a) => ({ ...a, phase: action.phase, fraction: action.fraction })) };
    case 'finished': {
      const l = action.line;
      return {
        ...state,
        flashed: state.flashed + (l.ok ? 1 : 0),
        failed: state.failed + (l.ok ? 0 : 1),
        active: state.active.filter((a) => a.device !== l.device),
        lines: [l, ...state.lines].slice(0, MAX_LINES_KEPT),
        message: `${l.device}: ${l.ok ? `done (${l.hostname})` : `failed: ${l.error ?? 'unknown error'}`}`,
      };
    }
  }
}

export const CSV_HEADER = 'time,device,serial,hostname,image_sha256,verified,ok,seconds,error';

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function lineToCsv(l: FactoryLine): string {
  return [l.time, l.device, l.serial, l.hostname, l.imageDigest, String(l.verified), String(l.ok), l.seconds.toFixed(1), l.error ?? ''].map(csvCell).join(',');
}
