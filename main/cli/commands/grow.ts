/**
 * `3os-flash grow TARGET`: grow a 3os disk's data volume to fill the disk, offline.
 * --dry-run prints the before/after table and writes nothing.
 */
import { parseArgs } from 'node:util';
import { growDisk, type GrowDiskResult } from '../../../provisioning/grow/grow-disk.js';
import { openTargetDisk } from '../../../provisioning/pipeline.js';
import { usageError, type CliIO, type Command } from '../io.js';
import { readPolicyFile } from '../policy-file.js';
import { humanBytes } from '../progress-view.js';

const usage = `Usage: 3os-flash grow TARGET [--policy FILE] [--dry-run] [--json]

Grow the 3os data volume of TARGET (a drive or an image file) to fill it: move the backup GPT to
the end, grow 3os-data, resize the LVM PV and give the free space to the logical volumes (by
default all of it to the LV that lies last; --policy sets sizes or percentages per LV and can add
LVs), then grow ext4 filesystems offline where e2fsprogs is present (else at first boot).
A volume group this tool does not understand is left untouched.

Options:
  --policy FILE   storage policy (YAML/JSON): {volumes: [{name, size: 2G | 60%FREE, create?}]}
                  or a first-boot config file with a storage: section
  --dry-run       show what would change, write nothing
  --json          print the result as JSON`;

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
    parsed = parseArgs({ args, allowPositionals: true, options: { policy: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } } });
  } catch (e) {
    throw usageError(e instanceof Error ? e.message : String(e));
  }
  const target = parsed.positionals[0];
  if (target === undefined || parsed.positionals.length > 1) throw usageError('grow takes exactly one TARGET');
  const policy = parsed.values.policy === undefined ? undefined : await readPolicyFile(parsed.values.policy);
  const disk = await openTargetDisk(target);
  try {
    const g = await growDisk(disk, { policy, dryRun: parsed.values['dry-run'] === true });
    if (parsed.values.json === true) io.out.write(`${JSON.stringify({ target, ...g })}\n`);
    else io.out.write(`${growTable(g)}\n`);
    return 0;
  } finally {
    await disk.close();
  }
}

export const growCommand: Command = { name: 'grow', summary: 'grow the 3os data volume (GPT/MBR + LVM) to fill a disk', usage, run };
