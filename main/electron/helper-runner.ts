/**
 * The flash runner of the Electron app: every write goes through the privileged helper
 * (main/helper), started elevated for the one job. The helper's protocol carries a write job
 * (write + verify); growing the data volume and seeding the settings are not in it yet, so the
 * app reports `grow` and `seed` as unavailable until the helper runs the whole pipeline.
 *
 * The helper is this same executable started with `--3os-helper` (see main.ts): with the
 * RunAsNode fuse off, ELECTRON_RUN_AS_NODE cannot be used to run a plain Node script.
 */
import { runJobInHelper } from '../helper/launcher.js';
import type { FlashRunner } from '../backend/types.js';

export const HELPER_FLAG = '--3os-helper';

/** argv that starts the helper: the packaged app, or `electron <appDir>` in development. */
export function helperCommand(execPath: string, appDir: string, packaged: boolean): string[] {
  // No renderer exists in helper mode; Chromium refuses to start as root with its sandbox on.
  return packaged ? [execPath, HELPER_FLAG, '--no-sandbox'] : [execPath, appDir, HELPER_FLAG, '--no-sandbox'];
}

export function helperRunner(command: readonly string[]): FlashRunner {
  return (spec, onEvent, signal) =>
    runJobInHelper(
      { image: spec.image, targets: spec.targets, bmap: spec.bmap, sha256: spec.sha256, verify: spec.verify, allowSystemDrive: spec.allowSystemDrive },
      onEvent,
      { helperCommand: command, signal },
    );
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
