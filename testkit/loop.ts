/**
 * Loop devices for tests: every device attached through here is detached by `detachAll`,
 * which tests call in afterEach/afterAll (also when they fail).
 */
import { shOk, sh } from './sh.js';

const attached = new Set<string>();

export async function attachLoop(file: string, opts: { readOnly?: boolean; sectorSize?: number; offset?: number; sizeLimit?: number } = {}): Promise<string> {
  const args = ['-f', '--show'];
  if (opts.readOnly === true) args.push('-r');
  if (opts.sectorSize !== undefined) args.push('--sector-size', String(opts.sectorSize));
  if (opts.offset !== undefined) args.push('-o', String(opts.offset));
  if (opts.sizeLimit !== undefined) args.push('--sizelimit', String(opts.sizeLimit));
  args.push(file);
  const dev = (await shOk('losetup', args)).trim();
  attached.add(dev);
  return dev;
}

export async function detachLoop(dev: string): Promise<void> {
  await sh('losetup', ['-d', dev]);
  attached.delete(dev);
}

export async function detachAll(): Promise<void> {
  for (const dev of [...attached]) await detachLoop(dev);
}
