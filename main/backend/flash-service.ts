/**
 * Flash jobs started from the UI. The settings template is rendered for every target first
 * (templates filled with each device's index and serial, all problems reported before anything
 * is written), then the job runs in the background: every engine event goes to the window that
 * started it, and the end carries the summary plus each failed target's error in plain words.
 * Closing the window cancels its jobs.
 */
import { randomBytes } from 'node:crypto';
import { describeTarget } from '../../flasher/drives/list.js';
import { renderBatch } from '../../provisioning/config/batch.js';
import type { RenderedConfig } from '../../provisioning/config/render.js';
import type { ClientContext, ValidRequests } from '../ipc/contract.js';
import type { UserError } from '../ipc/contract-types.js';
import { userError } from '../ipc/error-text.js';
import type { FlashRunner } from './types.js';
import { userErrorOf } from './user-error-of.js';

async function serialOf(target: string): Promise<string | undefined> {
  try {
    return (await describeTarget(target)).serial;
  } catch {
    return undefined;
  }
}

/** Render the template once per target (index from firstIndex, serial from the drive). */
export async function renderForTargets(config: Readonly<Record<string, unknown>>, targets: readonly string[], firstIndex: number): Promise<RenderedConfig[]> {
  const devices = await Promise.all(targets.map(async (t, i) => ({ index: firstIndex + i, serial: await serialOf(t) })));
  return renderBatch(config, devices).map((b) => b.rendered);
}

export class FlashService {
  private readonly jobs = new Map<string, AbortController>();

  public constructor(private readonly run: FlashRunner) {}

  public async start(req: ValidRequests['startFlash'], client: ClientContext): Promise<{ jobId: string }> {
    const rendered = req.config === undefined ? undefined : await renderForTargets(req.config, req.targets, req.firstIndex ?? 1);
    const jobId = randomBytes(8).toString('hex');
    const abort = new AbortController();
    this.jobs.set(jobId, abort);
    client.onClose(() => abort.abort());
    const spec = {
      image: req.image,
      targets: req.targets,
      sha256: req.sha256,
      verify: req.verify,
      grow: req.grow,
      allowSystemDrive: req.allowSystemDrive,
      rendered,
    };
    void this.run(spec, (event) => client.emit('flash', { type: 'event', jobId, event }), abort.signal)
      .then((summary) => {
        const errors: Record<string, UserError> = {};
        for (const r of summary.results) if (r.error !== undefined) errors[r.target] = userError(r.error.code, r.error.message);
        client.emit('flash', { type: 'end', jobId, summary, errors });
      })
      .catch((e: unknown) => client.emit('flash', { type: 'failed', jobId, error: userErrorOf(e) }))
      .finally(() => this.jobs.delete(jobId));
    return { jobId };
  }

  public cancel(jobId: string): { cancelled: boolean } {
    const job = this.jobs.get(jobId);
    job?.abort();
    return { cancelled: job !== undefined };
  }

  public cancelAll(): void {
    for (const j of this.jobs.values()) j.abort();
  }
}
