/**
 * `3os-flash repair IMAGE --to TARGET`: reflash the OS of a used 3os disk (3os-boot,
 * 3os-root-a, 3os-root-b) from an image, keeping the data volume and the first-boot config.
 */
import { parseArgs } from 'node:util';
import { FlashError } from '../../../flasher/errors.js';
import { openTargetDisk } from '../../../provisioning/pipeline.js';
import { repairDisk } from '../../../provisioning/repair/repair-disk.js';
import { confirm } from '../confirm.js';
import { usageError, type CliIO, type Command } from '../io.js';

const usage = `Usage: 3os-flash repair IMAGE --to TARGET [--json] [--yes]

Rewrite the OS partitions of TARGET (3os-boot, 3os-root-a, 3os-root-b) from IMAGE (a file or
http(s) URL; raw, gz, xz, zst, bz2 or zip), read them back, and keep everything else: the
3os-data volume (/etc, /home, containers) is not written, and on 3os-config only 3os/image.json
is replaced (the config and the device's result stay). The boot selection returns to the image's
default (slot A).

Options:
  --to TARGET   the disk to repair (a drive, loop device or image file)
  --json        print the result as JSON
  --yes         do not ask for confirmation on a terminal`;

async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { to: { type: 'string' }, json: { type: 'boolean' }, yes: { type: 'boolean', short: 'y' } } });
  } catch (e) {
    throw usageError(e instanceof Error ? e.message : String(e));
  }
  const image = parsed.positionals[0];
  if (image === undefined || parsed.positionals.length > 1) throw usageError('repair takes exactly one IMAGE');
  const target = parsed.values.to;
  if (target === undefined) throw usageError('repair needs --to TARGET');
  const json = parsed.values.json === true;
  if (parsed.values.yes !== true && io.stdin.isTTY === true && !json) {
    if (!(await confirm(io, `This rewrites 3os-boot, 3os-root-a and 3os-root-b on ${target} (3os-data and the config stay).`))) {
      io.err.write('Nothing was written.\n');
      return new FlashError('E_CANCELLED', '').exitCode;
    }
  }
  const disk = await openTargetDisk(target, true);
  try {
    const r = await repairDisk(image, disk);
    if (json) io.out.write(`${JSON.stringify({ kind: 'repair', ...r })}\n`);
    else {
      for (const p of r.partitions) io.out.write(`${p.name}: ${p.bytes} bytes rewritten and verified\n`);
      io.out.write(`kept: ${r.kept.join(', ')}\n`);
    }
    return 0;
  } finally {
    await disk.close();
  }
}

export const repairCommand: Command = { name: 'repair', summary: 'rewrite the OS slots of a 3os disk from an image, keeping its data', usage, run };
