/**
 * The real LVM tools on loop devices, in metadata-only mode (no device-mapper here): activation
 * off, and every command restricted to the named devices (--devices; pvck, which lacks that
 * option, gets a global_filter), so a test never sees another disk's VG `3os`.
 */
import { sh, type ShResult } from './sh.js';

export const LVM_CONFIG = 'global { activation = 0 } devices { obtain_device_list_from_udev = 0 }';

/** Run an LVM tool on `devs` only; the result whatever its exit status. */
export function lvmRun(devs: string | readonly string[], cmd: string, ...args: string[]): Promise<ShResult> {
  const list = typeof devs === 'string' ? [devs] : devs;
  if (cmd === 'pvck') {
    const accept = list.map((d) => `"a|^${d}$|"`).join(', ');
    const cfg = `global { activation = 0 } devices { obtain_device_list_from_udev = 0 global_filter = [ ${accept}, "r|.*|" ] }`;
    return sh(cmd, ['--config', cfg, ...args]);
  }
  return sh(cmd, ['--config', LVM_CONFIG, '--devices', list.join(','), ...args]);
}

/** `lvmRun` that returns stdout and throws with LVM's words when the command fails. */
export async function lvmOn(devs: string | readonly string[], cmd: string, ...args: string[]): Promise<string> {
  const r = await lvmRun(devs, cmd, ...args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}):\n${r.text}`);
  return r.stdout;
}
