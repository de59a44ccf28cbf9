/**
 * `3os-flash repair IMAGE --to TARGET`: reflash the OS of a used 3os disk (3os-boot,
 * 3os-root-a, 3os-root-b) from an image, keeping the data volume and the first-boot config.
 */
import { parseArgs } from 'node:util';
import { guardChoices, guardFlags, guardFlagsHelp } from '../guard-flags.js';
import { usageError, type CliIO, type Command } from '../io.js';
import { runEditPlan } from './edit-plan.js';

const usage = `Usage: 3os-flash repair IMAGE --to TARGET [--json] [--yes] [--unmount] [--allow-system-drive]

Rewrite the OS partitions of TARGET (3os-boot, 3os-root-a, 3os-root-b) from IMAGE (a file or
http(s) URL; raw, gz, xz, zst, bz2 or zip), read them back, and keep everything else: the
3os-data volume (/etc, /home, containers) is not written, and on 3os-config only 3os/image.json
is replaced (the config and the device's result stay). The boot selection returns to the image's
default (slot A).

Options:
  --to TARGET   the disk to repair (a drive, loop device or image file)
  --json        print the result as JSON
${guardFlagsHelp}`;

async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { to: { type: 'string' }, json: { type: 'boolean' }, ...guardFlags } });
  } catch (e) {
    throw usageError(e instanceof Error ? e.message : String(e));
  }
  const image = parsed.positionals[0];
  if (image === undefined || parsed.positionals.length > 1) throw usageError('repair takes exactly one IMAGE');
  const target = parsed.values.to;
  if (target === undefined) throw usageError('repair needs --to TARGET');
  const json = parsed.values.json === true;
  const guard = guardChoices(parsed.values, io, json);
  return runEditPlan({ kind: 'repair', image, target, ...guard.plan }, io, json, guard, (d) =>
    d.kind === 'repair'
      ? {
          json: { kind: 'repair', ...d.repair },
          text: [...d.repair.partitions.map((p) => `${p.name}: ${p.bytes} bytes rewritten and verified`), `kept: ${d.repair.kept.join(', ')}`].join('\n'),
        }
      : undefined,
  );
}

export const repairCommand: Command = { name: 'repair', summary: 'rewrite the OS slots of a 3os disk from an image, keeping its data', usage, run };
