/**
 * The flash flow's state (image -> targets -> settings -> flash/result) and its pure reducer.
 * Components dispatch actions; nothing here talks to the backend.
 */
import type { ImageInfo } from '../../../main/ipc/contract-types.js';
import { emptyDraft, type ConfigDraft } from './draft.js';
import { jobReducer, newJob, type JobAction, type JobState } from './job.js';

export type Step = 'image' | 'targets' | 'customise' | 'flash';

export const STEPS: readonly { readonly id: Step; readonly label: string }[] = [
  { id: 'image', label: 'Image' },
  { id: 'targets', label: 'Drives' },
  { id: 'customise', label: 'Settings' },
  { id: 'flash', label: 'Flash' },
];

export interface FlowState {
  readonly step: Step;
  readonly imageInput: string;
  readonly image: ImageInfo | undefined;
  readonly includeLoop: boolean;
  readonly showSystem: boolean;
  readonly selected: readonly string[];
  readonly applySettings: boolean;
  readonly draft: ConfigDraft;
  readonly firstIndex: number;
  readonly job: JobState | undefined;
}

export const initialFlow: FlowState = {
  step: 'image',
  imageInput: '',
  image: undefined,
  includeLoop: false,
  showSystem: false,
  selected: [],
  applySettings: true,
  draft: emptyDraft,
  firstIndex: 1,
  job: undefined,
};

export type FlowAction =
  | { readonly type: 'imageInput'; readonly value: string }
  | { readonly type: 'imageDescribed'; readonly image: ImageInfo | undefined }
  | { readonly type: 'includeLoop'; readonly value: boolean }
  | { readonly type: 'showSystem'; readonly value: boolean }
  | { readonly type: 'toggleTarget'; readonly target: string }
  | { readonly type: 'drivesPresent'; readonly devices: readonly string[] }
  | { readonly type: 'goto'; readonly step: Step }
  | { readonly type: 'applySettings'; readonly value: boolean }
  | { readonly type: 'draft'; readonly patch: Partial<ConfigDraft> }
  | { readonly type: 'firstIndex'; readonly value: number }
  | { readonly type: 'flashStarting' }
  | { readonly type: 'job'; readonly action: JobAction }
  | { readonly type: 'flashAgain' };

export function flowReducer(s: FlowState, a: FlowAction): FlowState {
  switch (a.type) {
    case 'imageInput':
      return { ...s, imageInput: a.value, image: a.value === s.image?.image ? s.image : undefined };
    case 'imageDescribed':
      return a.image === undefined || a.image.image === s.imageInput ? { ...s, image: a.image } : s;
    case 'includeLoop':
      return { ...s, includeLoop: a.value };
    case 'showSystem':
      return { ...s, showSystem: a.value };
    case 'toggleTarget':
      return { ...s, selected: s.selected.includes(a.target) ? s.selected.filter((t) => t !== a.target) : [...s.selected, a.target] };
    case 'drivesPresent': {
      // A drive that was unplugged is no longer selected (while a job runs, rows stay as they are).
      const kept = s.selected.filter((t) => a.devices.includes(t));
      return kept.length === s.selected.length ? s : { ...s, selected: kept };
    }
    case 'goto':
      return { ...s, step: a.step };
    case 'applySettings':
      return { ...s, applySettings: a.value };
    case 'draft':
      return { ...s, draft: { ...s.draft, ...a.patch } };
    case 'firstIndex':
      return { ...s, firstIndex: a.value };
    case 'flashStarting':
      return { ...s, step: 'flash', job: newJob(s.selected) };
    case 'job':
      return s.job === undefined ? s : { ...s, job: jobReducer(s.job, a.action) };
    case 'flashAgain':
      return { ...s, step: 'targets', job: undefined, selected: [] };
  }
}

/** Why the user cannot go on from a step yet (undefined when they can). */
export function stepBlocker(s: FlowState, step: Step): string | undefined {
  switch (step) {
    case 'image':
      if (s.image === undefined) return 'Choose an image file or URL first.';
      if (s.image.problem !== undefined) return s.image.problem.title;
      return undefined;
    case 'targets':
      return s.selected.length === 0 ? 'Select at least one drive.' : undefined;
    case 'customise':
    case 'flash':
      return undefined;
  }
}
