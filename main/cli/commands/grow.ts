/**
 * `3os-flash grow TARGET`: grow a 3os disk's data volume to fill the disk, offline.
 * --dry-run prints the before/after table and writes nothing.
 */
import { parseArgs } from 'node:util';
import type { GrowDiskResult } from '../../../provisioning/grow/grow-disk.js';
import { guardChoices, guardFlags, guardFlagsHelp, inputFiles } from '../guard-flags.js';
import { usageError, type CliIO, type Command } from '../io.js';
import { readPolicyInput } from '../policy-file.js';
import { runEditPlan } from './edit-plan.js';
import { humanBytes } from '../../../common/bytes.js';

const usage = `Usage: 3os-flash grow TARGET [--policy FILE] [--dry-run] [--json] [--yes] [--unmount] [--allow-system-drive]

Grow the 3os data volume of TARGET (a drive or an image file) to fill it: move the backup GPT to
the end, grow 3os-data, resize the LVM PV and give the free space to the logical volumes (by
default all of it to the LV that lies last; --policy sets sizes or percentages per LV and can add
LVs), then grow ext4 filesystems offline where e2fsprogs is present (else at first boot).
A volume group this tool does not understand is left untouched.

Options:
  --policy FILE   storage policy (YAML/JSON): {volumes: [{name, size: 2G | 60%FREE, create?}]}
                  or a first-boot config file with a storage: section
  --dry-run       show what would change and every problem the real run would meet; write nothing
  --json          print the result as JSON
${guardFlagsHelp}`;

export function growTable(g: GrowDiskResult): string {
  const lines: string[] = [];
  const t = g.table;
  if (t !== undefined) {
    lines.push(`partition ${t.index} (${t.kind}): ${humanBytes(t.before.size)} -> ${humanBytes(t.after.size)} on a ${humanBytes(t.diskSize)} disk${t.backupMoved ? ', backup GPT moved to the end' : ''}`);
  }
  const l = g.lvm;
  if (l !== undefined) {
    lines.push(`PV: ${humanBytes(l.pv.sizeBefore)} -> ${humanBytes(l.pv.sizeAfter)} (${l.pv.peCountBefore} -> ${l.pv.peCountAfter} extents, free ${l.pv.freeExtentsBefore} -> ${l.pv.freeExtentsAfter})`);
    lines.push(`${'LV'.padEnd(16)} ${'before'.padStart(12)} ${'after'.padStart(12)}`);
    for (const v of l.volumes) {
      lines.push(`${`${l.vgName}/${v.name}`.padEnd(16)} ${(v.created ? '(new)' : humanBytes(v.bytesBefore)).padStart(12)} ${humanBytes(v.bytesAfter).padStart(12)}`);
    }
  }
  for (const f of g.filesystems) lines.push(`filesystem on ${f.lv}: ${f.outcome}${f.detail !== undefined ? ` (${f.detail})` : ''}`);
  if (g.recorded !== undefined) lines.push(`recorded for first boot in ${g.recorded}`);
  lines.push(g.message);
  return lines.join('\n');
}

async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { policy: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, ...guardFlags } });
  } catch (e) {
    throw usageError(e instanceof Error ? e.message : String(e));
  }
  const target = parsed.positionals[0];
  if (target === undefined || parsed.positionals.length > 1) throw usageError('grow takes exactly one TARGET');
  const json = parsed.values.json === true;
  const policy = parsed.values.policy === undefined ? undefined : await readPolicyInput(parsed.values.policy);
  const guard = guardChoices(parsed.values, io, json);
  return runEditPlan({ kind: 'grow', target, policy, dryRun: parsed.values['dry-run'] === true, ...guard.plan, inputs: inputFiles(parsed.values.policy) }, io, json, guard, (d) =>
    d.kind === 'grow' ? { json: { target, ...d.grow }, text: growTable(d.grow) } : undefined,
  );
}

export const growCommand: Command = { name: 'grow', summary: 'grow the 3os data volume (GPT/MBR + LVM) to fill a disk', usage, run };
