/**
 * The flash runner of the Electron app: every write goes through the privileged helper
 * (main/helper), started elevated for the one job plan (provisioning/plan: flash or repair).
 * The settings are rendered and validated here, unprivileged (main/backend/app-plan.ts); the
 * helper gets the finished files and the storage policy per target.
 *
 * The helper is this same executable started with `--3os-helper` (see main.ts): with the
 * RunAsNode fuse off, ELECTRON_RUN_AS_NODE cannot be used to run a plain Node script.
 */
import { runJobInHelper } from '../helper/launcher.js';
import type { PlanRunner } from '../backend/app-plan.js';

export const HELPER_FLAG = '--3os-helper';

/** argv that starts the helper: the packaged app, or `electron <appDir>` in development. */
export function helperCommand(execPath: string, appDir: string, packaged: boolean): string[] {
  // No renderer exists in helper mode; Chromium refuses to start as root with its sandbox on.
  return packaged ? [execPath, HELPER_FLAG, '--no-sandbox'] : [execPath, appDir, HELPER_FLAG, '--no-sandbox'];
}

/** Every plan of the app (flash, repair) runs in a fresh elevated helper. */
export function helperRunner(command: readonly string[]): PlanRunner {
  return (plan, onEvent, signal) => runJobInHelper(plan, onEvent, { helperCommand: command, signal });
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
