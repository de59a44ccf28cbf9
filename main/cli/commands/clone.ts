/**
 * `3os-flash clone SOURCE --to TARGET [--to TARGET ...]`: a drive copied to one or many drives
 * at once through the write engine's fan-out, reading only what is in use (free space is
 * neither read nor written), verified, grown to each target, and on a 3os source given a
 * machine-identity reset per target (and, with --config/--csv, its own hostname and settings).
 * Exit codes as for write.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FlashError } from '../../../flasher/errors.js';
import type { JobRunOptions } from '../../../flasher/write/job.js';
import { openCloneSource } from '../../../provisioning/backup/clone-source.js';
import { identityResetFile } from '../../../provisioning/backup/identity.js';
import { detect3os } from '../../../provisioning/detect/detect-3os.js';
import { seedOf, type FlashPlan } from '../../../provisioning/plan/plan.js';
import { runPlan, type RunPlanOptions } from '../../../provisioning/plan/run-plan.js';
import { seedFilesFor } from '../../../provisioning/seed/seed-disk.js';
import { renderForTargets } from '../config-file.js';
import { guardChoices, guardFlags, guardFlagsHelp, inputFiles } from '../guard-flags.js';
import { usageError, type CliIO, type Command } from '../io.js';
import { ProgressView } from '../progress-view.js';
import { reportNotes } from './edit-plan.js';
import { firstBootFormat } from './seed.js';
import { exitCodeFor } from './write.js';

const usage = `Usage: 3os-flash clone SOURCE --to TARGET [--to TARGET ...] [options]

Copy the drive SOURCE to one or more drives, loop devices or image files at once. Only what is
in use on SOURCE is read and written (see 3os-flash backup --help); each target is verified and,
for a 3os source, grown to fill it and given its own machine identity: the device agent makes a
new machine-id and new SSH host keys on its first boot (3os/identity-reset on the config partition).

Options:
  --to TARGET        a drive or image file; repeat for more
  --config FILE      seed this first-boot configuration into each clone (templates like
                     edge-{index:03} give each its own hostname)
  --csv FILE         per-device values for --config, one row per target in --to order
  --first-boot FMT   3os-native (default), cloud-init or ignition
  --no-identity-reset  keep the source's machine-id and SSH host keys on the clones
  --no-verify        do not read back and compare after writing
  --no-grow          do not grow the 3os data volume to fill each target
  --allow-mounted    read a source with a partition mounted read-write (the copy may be inconsistent)
  --json             JSON lines on stdout (progress, results)
  --no-eject         leave the drives attached afterwards
${guardFlagsHelp}
The source is opened read-only (exclusively when nothing on it is mounted) and never written;
a target that is the source drive is refused.`;

async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        to: { type: 'string', multiple: true },
        config: { type: 'string' },
        csv: { type: 'string' },
        'first-boot': { type: 'string' },
        'no-identity-reset': { type: 'boolean' },
        'no-verify': { type: 'boolean' },
        'no-grow': { type: 'boolean' },
        'allow-mounted': { type: 'boolean' },
        json: { type: 'boolean' },
        'no-eject': { type: 'boolean' },
        ...guardFlags,
      },
    });
  } catch (e) {
    throw usageError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  const source = positionals[0];
  if (source === undefined || positionals.length > 1) throw usageError('clone takes exactly one SOURCE (see 3os-flash clone --help)');
  const targets = values.to ?? [];
  if (targets.length === 0) throw usageError('clone needs at least one --to TARGET');
  if (new Set(targets).size !== targets.length) throw usageError('the same --to target is given twice');
  if (values.csv !== undefined && values.config === undefined) throw usageError('--csv needs --config');
  const json = values.json === true;
  const format = firstBootFormat(values['first-boot']);
  if (!existsSync(source)) throw new FlashError('E_SOURCE_MISSING', `${source}: no such drive or file`, { phase: 'source' });
  const is3os = (await detect3os(source)) !== undefined;
  if (!is3os && values.config !== undefined) {
    throw new FlashError('E_NOT_3OS', `${source} is not a 3os disk: a first-boot configuration cannot be seeded into its clones`, { phase: 'open' });
  }
  // Every clone's config is rendered and validated before anything is opened or written.
  const configs = values.config === undefined ? undefined : await renderForTargets(values.config, targets, { csv: values.csv });
  const resetIdentity = is3os && values['no-identity-reset'] !== true;
  const guard = guardChoices(values, io, json);
  const plan: FlashPlan = {
    kind: 'flash',
    image: source,
    targets: targets.map((path, i) => {
      const c = configs?.[i];
      const files = [...(c === undefined ? [] : seedFilesFor(c, format)), ...(resetIdentity ? [identityResetFile(source)] : [])];
      return { path, seed: files.length === 0 ? undefined : seedOf(files, c?.config.hostname, c?.digest), policy: c?.config.storage };
    }),
    verify: values['no-verify'] !== true,
    grow: values['no-grow'] !== true && is3os,
    eject: values['no-eject'] !== true,
    ...guard.plan,
    inputs: inputFiles(values.config, values.csv),
  };
  const view = new ProgressView(io, json);
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  const opts: RunPlanOptions & JobRunOptions = {
    onEvent: (e) => view.onEvent(e),
    confirm: guard.confirm,
    yes: guard.yes,
    detect3os,
    signal: ac.signal,
    openSource: (_spec, onEvent) => openCloneSource(source, onEvent, { allowMounted: values['allow-mounted'] === true }),
  };
  try {
    const summary = await runPlan(plan, opts);
    if (!json) reportNotes(summary, io);
    if (json) io.out.write(`${JSON.stringify({ ...summary, kind: 'summary' })}\n`);
    else {
      const ok = summary.results.filter((r) => r.ok).length;
      io.err.write(`${ok} of ${summary.results.length} clone(s) of ${source} written${resetIdentity ? '; each makes its own machine-id and SSH host keys on first boot' : ''}\n`);
    }
    return exitCodeFor(summary);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export const cloneCommand: Command = { name: 'clone', summary: 'copy a drive to one or many drives (what is in use), each with its own identity', usage, run };
