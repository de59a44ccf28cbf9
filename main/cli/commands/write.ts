/**
 * `3os-flash write IMAGE --to TARGET [--to TARGET ...]`: the headless form of the app's flash flow.
 * Exit codes: 0 when every target succeeded; with one target (or when every target failed the
 * same way) the error's own code (see README); otherwise 100 + the number of failed targets.
 */
import { parseArgs } from 'node:util';
import { ERROR_CODES } from '../../../flasher/errors.js';
import type { JobSummary } from '../../../flasher/write/job-types.js';
import type { FlashPlan } from '../../../provisioning/plan/plan.js';
import { runPlan } from '../../../provisioning/plan/run-plan.js';
import { guardChoices, guardFlags, guardFlagsHelp, inputFiles } from '../guard-flags.js';
import { usageError, type CliIO, type Command } from '../io.js';
import { ProgressView } from '../progress-view.js';
import { catalogFlags, catalogFlagsHelp, isPlainWriteSource } from './catalog-flags.js';
import { detect3os, reportNotes } from './edit-plan.js';
import { firstBootFormat } from './first-boot-flag.js';

// Start-up matters (factory scripts call write in loops): the config rendering, the seed files,
// the policy parser and the catalog are imported below only when the call uses them.

const usage = `Usage: 3os-flash write IMAGE --to TARGET [--to TARGET ...] [options]

Write IMAGE (a file or http(s) URL; raw, gz, xz, zst, bz2 or zip) to one or more drives,
loop devices or image files at once, then verify what was written.

Options:
  --to TARGET        a drive (/dev/sdX, /dev/mmcblkN, /dev/loopN) or an image file; repeat for more
  --bmap FILE        write sparsely using this bmap (default: IMAGE.bmap beside the image if present)
  --sha256 HEX       expected SHA-256 of the decoded image or of the downloaded file
  --no-verify        do not read back and compare after writing
  --no-grow          do not grow the 3os data volume to fill each disk (done by default for 3os images)
  --policy FILE      storage policy for the grow step (see 3os-flash grow --help)
  --config FILE      seed this first-boot configuration into each target (validated before anything
                     is written; templates like edge-{index:03} or {serial} give each device its own)
  --csv FILE         per-device values for --config, one row per target in --to order
  --first-boot FMT   3os-native (default), cloud-init or ignition (see 3os-flash seed --help)
  --json             JSON lines on stdout (progress, results) instead of a progress bar
  --no-eject         leave the drives attached after writing (removable drives are ejected by default)
${guardFlagsHelp}
Each target is judged alone (README "Safety"): a refused one is left as it was, the others are written.
Catalog images (IMAGE = catalog:ID, or an ID that is no file; see 3os-flash catalog) and trust:
${catalogFlagsHelp}`;

export function exitCodeFor(summary: JobSummary): number {
  const failed = summary.results.filter((r) => !r.ok);
  if (failed.length === 0) return 0;
  const codes = new Set(failed.map((r) => r.error?.code ?? 'E_WRITE_IO'));
  const first = failed[0]?.error;
  if ((summary.results.length === 1 || (failed.length === summary.results.length && codes.size === 1)) && first !== undefined) {
    return ERROR_CODES[first.code];
  }
  return 100 + Math.min(failed.length, 155);
}

async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        to: { type: 'string', multiple: true },
        bmap: { type: 'string' },
        sha256: { type: 'string' },
        'no-verify': { type: 'boolean' },
        'no-grow': { type: 'boolean' },
        policy: { type: 'string' },
        config: { type: 'string' },
        csv: { type: 'string' },
        'first-boot': { type: 'string' },
        json: { type: 'boolean' },
        ...guardFlags,
        ...catalogFlags,
        'no-eject': { type: 'boolean' },
      },
    });
  } catch (e) {
    throw usageError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  const given = positionals[0];
  if (given === undefined || positionals.length > 1) throw usageError('write takes exactly one IMAGE (see 3os-flash write --help)');
  const targets = values.to ?? [];
  if (targets.length === 0) throw usageError('write needs at least one --to TARGET');
  if (new Set(targets).size !== targets.length) throw usageError('the same --to target is given twice');
  if (values.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(values.sha256)) throw usageError('--sha256 takes 64 hex digits');
  const json = values.json === true;
  const policy = values.policy === undefined ? undefined : await (await import('../policy-file.js')).readPolicyInput(values.policy);
  if (values.csv !== undefined && values.config === undefined) throw usageError('--csv needs --config');
  const format = firstBootFormat(values['first-boot']);
  // Render and validate every device's config before anything is opened or written.
  const configs = values.config === undefined ? undefined : await (await import('../config-file.js')).renderForTargets(values.config, targets, { csv: values.csv });
  const seeding = configs === undefined ? undefined : { seedOf: (await import('../../../provisioning/plan/plan.js')).seedOf, seedFilesFor: (await import('../../../provisioning/seed/seed-disk.js')).seedFilesFor };
  // A catalog id, or any catalog/trust option: a verified local file first (flasher/catalog).
  const { image, sha256 } = isPlainWriteSource(given, values)
    ? { image: given, sha256: values.sha256 }
    : await (await import('./catalog-options.js')).resolveWriteSource(given, values, io, json);
  const guard = guardChoices(values, io, json);
  const plan: FlashPlan = {
    kind: 'flash',
    image,
    targets: targets.map((path, i) => {
      const c = configs?.[i];
      return {
        path,
        seed: c === undefined || seeding === undefined ? undefined : seeding.seedOf(seeding.seedFilesFor(c, format), c.config.hostname, c.digest, c.config.raspberry_pi),
        policy: c?.config.storage ?? policy,
      };
    }),
    bmap: values.bmap,
    sha256,
    verify: values['no-verify'] !== true,
    grow: values['no-grow'] !== true,
    eject: values['no-eject'] !== true,
    ...guard.plan,
    inputs: inputFiles(values.config, values.csv, values.policy, values.bmap),
  };
  const view = new ProgressView(io, json);
  const summary = await runPlan(plan, { onEvent: (e) => view.onEvent(e), confirm: guard.confirm, yes: guard.yes, detect3os });
  if (!json) reportNotes(summary, io);
  if (json) io.out.write(`${JSON.stringify({ ...summary, kind: 'summary' })}\n`);
  else {
    const ok = summary.results.filter((r) => r.ok).length;
    io.err.write(`${ok} of ${summary.results.length} target(s) written${summary.sha256 !== undefined ? `; image sha256 ${summary.sha256}` : ''}\n`);
  }
  return exitCodeFor(summary);
}

export const writeCommand: Command = { name: 'write', summary: 'write an image to one or more drives or files, verified', usage, run };
