/**
 * Loading a first-boot config for the CLI: the file (YAML or JSON), an optional CSV of per-device
 * values, and the per-device rendering (templates such as {index:03} and {serial}). Everything is
 * rendered and validated before anything is written: a rejected config writes nothing.
 */
import { readFile } from 'node:fs/promises';
import { describeTarget } from '../../flasher/drives/list.js';
import { FlashError } from '../../flasher/errors.js';
import { renderBatch, type RenderedConfig } from '../../provisioning/config/index.js';

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new FlashError('E_CONFIG_INVALID', `cannot read the ${what} ${path}`);
  }
}

/** The drive's serial number (for {serial}), when the OS tells it. */
async function serialOf(target: string): Promise<string | undefined> {
  try {
    return (await describeTarget(target)).serial;
  } catch {
    return undefined;
  }
}

/**
 * One rendered config per target, in target order; devices are numbered from `firstIndex`
 * (default 1). Duplicate hostnames in the batch are refused by the renderer.
 */
export async function renderForTargets(configPath: string, targets: readonly string[], opts: { csv?: string | undefined; firstIndex?: number | undefined } = {}): Promise<RenderedConfig[]> {
  const text = await readText(configPath, 'config file');
  const csv = opts.csv === undefined ? undefined : await readText(opts.csv, 'CSV file');
  const first = opts.firstIndex ?? 1;
  const devices = await Promise.all(targets.map(async (t, i) => ({ index: first + i, serial: await serialOf(t) })));
  return renderBatch(text, devices, csv).map((b) => b.rendered);
}
