/**
 * `3os-flash seed TARGET --config FILE`: write the first-boot configuration into the config
 * partition of an already flashed 3os disk (validated first; secrets hashed; nothing written
 * when the config is invalid).
 */
import { parseArgs } from 'node:util';
import { seedOf } from '../../../provisioning/plan/plan.js';
import { seedFilesFor } from '../../../provisioning/seed/seed-disk.js';
import { renderForTargets } from '../config-file.js';
import { guardChoices, guardFlags, guardFlagsHelp, inputFiles } from '../guard-flags.js';
import { usageError, type CliIO, type Command } from '../io.js';
import { runEditPlan } from './edit-plan.js';
import { firstBootFormat } from './first-boot-flag.js';

export { firstBootFormat };

const usage = `Usage: 3os-flash seed TARGET --config FILE [--csv FILE] [--index N] [--first-boot FORMAT] [--json] [--yes] [--unmount]

Validate FILE (YAML or JSON, schema v1: see docs/config-schema.md), hash its secrets, and write
3os/config.yaml and 3os/config.agent into TARGET's 3OS-CONFIG partition without mounting it.

Options:
  --config FILE        the first-boot configuration (templates like {index:03}, {serial}, {date} allowed)
  --csv FILE           per-device values (one row; columns are field paths)
  --index N            the device number for {index} (default 1)
  --first-boot FORMAT  3os-native (default), cloud-init (adds NoCloud user-data/meta-data/network-config)
                       or ignition (adds ignition/config.ign)
  --json               print the result as JSON
${guardFlagsHelp}`;

async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { config: { type: 'string' }, csv: { type: 'string' }, index: { type: 'string' }, 'first-boot': { type: 'string' }, json: { type: 'boolean' }, ...guardFlags },
    });
  } catch (e) {
    throw usageError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  const target = positionals[0];
  if (target === undefined || positionals.length > 1) throw usageError('seed takes exactly one TARGET');
  if (values.config === undefined) throw usageError('seed needs --config FILE');
  const index = values.index === undefined ? 1 : Number(values.index);
  if (!Number.isInteger(index) || index < 0) throw usageError('--index takes a whole number');
  const format = firstBootFormat(values['first-boot']);
  const [rendered] = await renderForTargets(values.config, [target], { csv: values.csv, firstIndex: index });
  if (rendered === undefined) throw usageError('nothing to seed');
  const json = values.json === true;
  const guard = guardChoices(values, io, json);
  const seed = seedOf(seedFilesFor(rendered, format), rendered.config.hostname, rendered.digest, rendered.config.raspberry_pi);
  return runEditPlan({ kind: 'seed', target, seed, ...guard.plan, inputs: inputFiles(values.config, values.csv) }, io, json, guard, (d) =>
    d.kind === 'seed'
      ? { json: { target, files: d.files, hostname: d.hostname, digest: rendered.digest }, text: `${target}: seeded ${d.files.join(', ')}${d.hostname !== undefined ? ` (hostname ${d.hostname})` : ''}` }
      : undefined,
  );
}

export const seedCommand: Command = { name: 'seed', summary: 'write the first-boot configuration into a 3os disk', usage, run };
