/**
 * The drive safety rules, applied by the CLI before a write: refuse system drives (unless
 * --allow-system-drive and the device name typed back on a terminal), the drive holding the
 * image, read-only and busy drives; show warnings; unmount what is mounted. Targets too small
 * for the image are left to the engine, which fails them alone while the others are written.
 */
import { assessTargets } from '../../flasher/drives/assess.js';
import { prepareTarget } from '../../flasher/drives/prepare.js';
import { FlashError } from '../../flasher/errors.js';
import { confirm } from './confirm.js';
import type { CliIO } from './io.js';
import { humanBytes } from './progress-view.js';

export interface SafetyOptions {
  readonly image: string;
  readonly allowSystemDrive: boolean;
  readonly yes: boolean;
  readonly json: boolean;
}

export async function checkAndPrepareTargets(targets: readonly string[], io: CliIO, opts: SafetyOptions): Promise<boolean> {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(opts.image);
  const assessed = await assessTargets(targets, { imagePath: isUrl ? undefined : opts.image, allowSystemDrive: opts.allowSystemDrive });
  const refusals = assessed.flatMap((a) => a.refusals.filter((r) => r.code !== 'E_TOO_SMALL').map((r) => ({ target: a.target, ...r })));
  const first = refusals[0];
  if (first !== undefined) {
    if (refusals.length > 1 && !opts.json) for (const r of refusals.slice(1)) io.err.write(`3os-flash: ${r.target}: ${r.message}\n`);
    throw new FlashError(first.code, `${first.target}: ${first.message}${refusals.length > 1 ? ` (and ${refusals.length - 1} more refusal(s)); nothing was written` : '; nothing was written'}`, { target: first.target, phase: 'open' });
  }
  const interactive = io.stdin.isTTY === true && !opts.json;
  for (const a of assessed) {
    for (const w of a.warnings) if (!opts.json) io.err.write(`warning: ${a.target}: ${w.message}\n`);
    const d = a.drive;
    if (d?.system === true) {
      // Only reached with --allow-system-drive: the user must type the device name back.
      if (!interactive) throw new FlashError('E_TARGET_SYSTEM', `${a.target} is a system drive: writing it needs a typed confirmation on a terminal`, { target: a.target, phase: 'open' });
      if (!(await confirm(io, `${a.target} is a SYSTEM DRIVE (${d.systemReasons.join(', ')}). Writing it will break this computer.`, a.target))) {
        throw new FlashError('E_CANCELLED', 'not confirmed: nothing was written');
      }
    }
  }
  if (!opts.yes && interactive) {
    const list = assessed.map((a) => `  ${a.target}  ${a.drive !== undefined ? `${humanBytes(a.drive.size)} ${a.drive.description}` : ''}`).join('\n');
    if (!(await confirm(io, `This erases everything on:\n${list}\n`))) throw new FlashError('E_CANCELLED', 'not confirmed: nothing was written');
  }
  for (const a of assessed) {
    if (a.drive !== undefined && a.drive.kind !== 'file' && a.drive.mountpoints.length > 0) {
      const r = await prepareTarget(a.target, { allowSystemDrive: opts.allowSystemDrive });
      if (!opts.json && r.unmounted.length > 0) io.err.write(`${a.target}: unmounted ${r.unmounted.join(', ')}\n`);
    }
  }
  return true;
}
