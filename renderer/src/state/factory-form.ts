/** The factory station's form (image, rule, parallelism) and its reducer; sizes typed in GB. */
import type { DriveBus } from '../../../main/ipc/contract-types.js';

export interface FactoryForm {
  readonly image: string;
  readonly minGb: string;
  readonly maxGb: string;
  readonly buses: readonly DriveBus[];
  readonly maxParallel: number;
  readonly includeLoop: boolean;
  readonly firstIndex: number;
  readonly applySettings: boolean;
}

export const initialFactoryForm: FactoryForm = { image: '', minGb: '4', maxGb: '256', buses: ['usb', 'sd'], maxParallel: 4, includeLoop: false, firstIndex: 1, applySettings: true };

export type FactoryFormAction =
  | { readonly type: 'set'; readonly patch: Partial<FactoryForm> }
  | { readonly type: 'toggleBus'; readonly bus: DriveBus };

export function factoryFormReducer(s: FactoryForm, a: FactoryFormAction): FactoryForm {
  switch (a.type) {
    case 'set':
      return { ...s, ...a.patch };
    case 'toggleBus':
      return { ...s, buses: s.buses.includes(a.bus) ? s.buses.filter((b) => b !== a.bus) : [...s.buses, a.bus] };
  }
}

/** Problems of the form, by field (empty when it can start). */
export function factoryFormProblems(f: FactoryForm): Readonly<Record<string, string>> {
  const p: Record<string, string> = {};
  const min = Number(f.minGb);
  const max = Number(f.maxGb);
  if (f.image.trim() === '') p.image = 'Choose the image to write.';
  if (f.minGb.trim() === '' || !Number.isFinite(min) || min < 0) p.minGb = 'A size in GB, 0 or more.';
  if (f.maxGb.trim() !== '' && (!Number.isFinite(max) || max <= 0)) p.maxGb = 'A size in GB, or empty for no limit.';
  else if (Number.isFinite(min) && Number.isFinite(max) && f.maxGb.trim() !== '' && max < min) p.maxGb = 'Must not be below the minimum.';
  if (f.buses.length === 0) p.buses = 'Choose at least one kind of drive.';
  return p;
}

export function gbToBytes(s: string): number {
  const n = Number(s);
  return s.trim() === '' || !Number.isFinite(n) ? 0 : Math.round(n * 1e9);
}
