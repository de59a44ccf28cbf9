/**
 * What the backend needs from its host (the Electron main process or the dev bridge): how a
 * flash job runs (through the privileged helper, or directly when already root), where data
 * lives, and the native dialogs the host may or may not have.
 */
import type { JobEvent } from '../../flasher/progress.js';
import type { JobSummary, WriteJobSpec } from '../../flasher/write/job-types.js';
import type { RenderedConfig } from '../../provisioning/config/render.js';
import type { CatalogOptions } from '../../flasher/catalog/index.js';
import type { AppFeatures } from '../ipc/contract-types.js';
import type { JobPlan } from '../../provisioning/plan/plan.js';
import type { PlanSummary } from '../../provisioning/plan/run-plan.js';

/** One flash job from the app: what to write, and each target's rendered settings (target order). */
export interface AppFlashJob extends WriteJobSpec {
  readonly grow: boolean;
  readonly rendered?: readonly RenderedConfig[] | undefined;
}

/** Runs one plan: through the helper, or directly. */
export type PlanRunner = (plan: JobPlan, onEvent: (e: JobEvent) => void, signal: AbortSignal) => Promise<PlanSummary>;

/** Runs one flash job: write + verify, then grow and seed each target. */
export type FlashRunner = (job: AppFlashJob, onEvent: (e: JobEvent) => void, signal: AbortSignal) => Promise<JobSummary>;

export interface BackendOptions {
  readonly mode: 'electron' | 'web';
  readonly version: string;
  /** Runs every job that changes a disk (flash, repair): through the privileged helper, or directly when root. */
  readonly runPlan: PlanRunner;
  /** Catalog sources, trusted keys and cache folder (default: the bundled catalog, the user's cache). */
  readonly catalog?: CatalogOptions | undefined;
  /** Presets live in <dataDir>/presets (0700), factory reports in <dataDir>/reports. */
  readonly dataDir: string;
  /** What this host can do (seed/grow depend on the runner; filePicker on Electron). */
  readonly features: Omit<AppFeatures, 'catalog' | 'repair'>;
  /** Native open dialog; undefined when the host has none (the UI asks for a typed path). */
  readonly pickFile?: (() => Promise<string | undefined>) | undefined;
  /** Save a report: a native save dialog (Electron) or a file under dataDir/reports (bridge). */
  readonly saveFile?: ((fileName: string, content: string) => Promise<string | undefined>) | undefined;
}
