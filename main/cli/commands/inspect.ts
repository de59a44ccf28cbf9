/**
 * `3os-flash inspect TARGET`: what is on a disk, read without writing: its 3os image, its
 * first-boot config (secrets masked) and the device's result after first boot.
 */
import { parseArgs } from 'node:util';
import { openDisk } from '../../../flasher/disk-io.js';
import { readBackupInfo, type BackupInfo } from '../../../flasher/backup/backup.js';
import { inspectDisk, type DiskReport } from '../../../provisioning/seed/inspect-disk.js';
import { usageError, type CliIO, type Command } from '../io.js';
import { humanBytes } from '../../../common/bytes.js';

const usage = `Usage: 3os-flash inspect TARGET [--json]

Show what is on TARGET (a drive or an image file) without changing it: the partition table, the
3os image (3os/image.json), the first-boot config (secrets masked) and, once the device has
booted, its result (3os/result.json: applied or failed, with errors). For a backup made by
3os-flash backup (any format), what its FILE.backup.json says: the drive it came from, when,
and the 3os image and config it held.`;

function backupText(path: string, b: BackupInfo): string {
  const s = b.source;
  const d = b.disk ?? {};
  const img = d.image as Record<string, unknown> | undefined;
  const drive = [s.vendor, s.model].filter((x) => x !== undefined && x !== '').join(' ');
  const out = [
    `${path}: backup (${b.output.format}, ${humanBytes(b.output.bytes)}, sha256 ${b.output.sha256})`,
    `backed up: ${b.created} from ${s.path}${drive === '' ? '' : ` (${drive}${s.serial !== undefined ? `, serial ${s.serial}` : ''})`}, ${humanBytes(s.size)}, ${s.sectorSize}-byte sectors`,
    `stored: ${humanBytes(b.map.mappedBytes)} in use (${b.map.method})${b.verified ? ', verified after writing' : ', not verified'}`,
  ];
  if (d.is3os !== true) out.push('not a 3os disk');
  else {
    out.push(`image: ${img === undefined ? 'unknown (no readable 3os/image.json)' : `${field(img, 'flavor') ?? '?'} ${field(img, 'version') ?? '?'} ${field(img, 'arch') ?? '?'}`}`);
    out.push(`config: ${d.config === undefined ? 'none seeded' : `hostname ${field(d.config, 'hostname') ?? '(not set)'}`}`);
  }
  out.push(`restore with: 3os-flash write ${path} --to TARGET`);
  return out.join('\n');
}

/** A field of a parsed JSON/YAML object, as display text. */
function field(o: unknown, k: string): string | undefined {
  if (typeof o !== 'object' || o === null || !(k in o)) return undefined;
  const v = (o as Record<string, unknown>)[k];
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function errorsOf(o: unknown): string[] {
  if (typeof o !== 'object' || o === null) return [];
  const v = (o as Record<string, unknown>).errors;
  return Array.isArray(v) ? v.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))) : [];
}

function text(r: DiskReport): string {
  const out: string[] = [`${r.path}: ${humanBytes(r.size)}, ${r.sectorSize}-byte sectors`];
  if (r.table !== undefined) {
    out.push(`partition table: ${r.table.kind}`);
    for (const p of r.table.partitions) out.push(`  ${String(p.index).padStart(2)} ${(p.name ?? p.type).padEnd(14)} ${humanBytes(p.size).padStart(10)}${p.role !== undefined ? `  (${p.role})` : ''}`);
  }
  if (!r.is3os) out.push('not a 3os disk');
  else {
    const img = r.image;
    out.push(`image: ${img === undefined ? 'unknown (no readable 3os/image.json)' : `${img.flavor ?? '?'} ${img.version ?? '?'} ${img.arch ?? '?'}`}`);
    out.push(`config: ${r.config === undefined ? 'none seeded' : `hostname ${field(r.config, 'hostname') ?? '(not set)'}`}`);
    const res = r.result;
    if (res === undefined) out.push('first boot: not yet (no 3os/result.json)');
    else {
      const errors = errorsOf(res);
      out.push(`first boot: ${field(res, 'status') ?? '?'}${errors.length > 0 ? ` (${errors.join('; ')})` : ''}`);
    }
  }
  for (const p of r.problems) out.push(`problem: ${p}`);
  return out.join('\n');
}

async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
  } catch (e) {
    throw usageError(e instanceof Error ? e.message : String(e));
  }
  const target = parsed.positionals[0];
  if (target === undefined || parsed.positionals.length > 1) throw usageError('inspect takes exactly one TARGET');
  const backup = await readBackupInfo(target);
  if (backup !== undefined) {
    io.out.write(parsed.values.json === true ? `${JSON.stringify({ backup })}\n` : `${backupText(target, backup)}\n`);
    return 0;
  }
  const disk = await openDisk(target);
  try {
    const r = await inspectDisk(disk);
    // --json shows image.json as the file has it.
    io.out.write(parsed.values.json === true ? `${JSON.stringify({ ...r, image: r.image?.raw })}\n` : `${text(r)}\n`);
    return 0;
  } finally {
    await disk.close();
  }
}

export const inspectCommand: Command = { name: 'inspect', summary: 'show the image, config and first-boot result on a disk', usage, run };
