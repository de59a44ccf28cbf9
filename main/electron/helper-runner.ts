/**
 * The flash runner of the Electron app: every write goes through the privileged helper
 * (main/helper), started elevated for the one job, which writes, verifies, grows and seeds.
 * The settings are rendered and validated here, unprivileged; the helper gets the finished
 * files per target (base64) and the storage policy (the first target's: the helper takes one).
 *
 * The helper is this same executable started with `--3os-helper` (see main.ts): with the
 * RunAsNode fuse off, ELECTRON_RUN_AS_NODE cannot be used to run a plain Node script.
 */
import { runJobInHelper } from '../helper/launcher.js';
import type { AppFlashJob, FlashRunner } from '../backend/types.js';
import type { HelperJobSpec } from '../helper/protocol.js';

export const HELPER_FLAG = '--3os-helper';

/** argv that starts the helper: the packaged app, or `electron <appDir>` in development. */
export function helperCommand(execPath: string, appDir: string, packaged: boolean): string[] {
  // No renderer exists in helper mode; Chromium refuses to start as root with its sandbox on.
  return packaged ? [execPath, HELPER_FLAG, '--no-sandbox'] : [execPath, appDir, HELPER_FLAG, '--no-sandbox'];
}

/** The helper's job for an app job: seeds as files, one per target, in target order. */
export function helperJob(job: AppFlashJob): HelperJobSpec {
  const r = job.rendered;
  return {
    image: job.image,
    targets: [...job.targets],
    bmap: job.bmap,
    sha256: job.sha256,
    verify: job.verify,
    allowSystemDrive: job.allowSystemDrive,
    grow: job.grow,
    policy: r?.[0]?.config.storage,
    seeds: r?.map((c) => ({ files: c.seedFiles.map((f) => ({ path: f.path, base64: f.data.toString('base64') })), hostname: c.config.hostname })),
  };
}

export function helperRunner(command: readonly string[]): FlashRunner {
  return (job, onEvent, signal) => runJobInHelper(helperJob(job), onEvent, { helperCommand: command, signal });
}

/**
 * In helper mode, rewrite argv so the helper entry sees [exe, 'helper', ...its own args]
 * (it parses argv.slice(2)). Returns false when this process is the normal app.
 */
export function enterHelperMode(argv: string[]): boolean {
  const at = argv.indexOf(HELPER_FLAG);
  if (at < 0) return false;
  const rest = argv.slice(at + 1).filter((a) => a !== '--no-sandbox');
  argv.splice(0, argv.length, argv[0] ?? 'electron', 'helper', ...rest);
  return true;
}
