/**
 * `3os-flash backup SOURCE --to FILE`: save a drive (or loop device, or image file) into an
 * image that holds only what is in use, with FILE.bmap (bmap 2.0, SHA-256 per range), FILE.sha256
 * and FILE.backup.json (where it came from, when, its 3os image and config) beside it.
 * Restore is `3os-flash write FILE --to TARGET` (the bmap beside it is used).
 */
import { parseArgs } from 'node:util';
import { humanBytes } from '../../../common/bytes.js';
import { runBackup } from '../../../flasher/backup/backup.js';
import { BACKUP_FORMATS, formatFromName, type BackupFormat } from '../../../flasher/backup/sink.js';
import { FlashError } from '../../../flasher/errors.js';
import { describeDisk } from '../../../provisioning/backup/describe.js';
import { diskUsage } from '../../../provisioning/backup/in-use.js';
import { confirm } from '../confirm.js';
import { usageError, type CliIO, type Command } from '../io.js';
import { ProgressView } from '../progress-view.js';

const usage = `Usage: 3os-flash backup SOURCE --to FILE [options]

Save SOURCE (a drive, loop device or image file) into FILE. Only what is in use is read and
stored: on a 3os disk the partition gaps, LVM free extents, free FAT clusters and free ext4
blocks are skipped; on any other disk blocks of zeros are (zero detection). Beside FILE:
FILE.bmap (bmap 2.0, SHA-256 per range), FILE.sha256 (sha256sum -c) and FILE.backup.json.
Restore with: 3os-flash write FILE --to TARGET

Options:
  --to FILE          the backup file (.img raw and sparse, .zst, .xz or .gz compressed)
  --format FMT       raw, zst, xz or gz (default: from FILE's extension; raw otherwise)
  --no-verify        do not decode the written backup again to check every range's hash
  --force            replace FILE (and its .bmap, .sha256, .backup.json) if they exist
  --allow-mounted    read a source with a partition mounted read-write (the copy may be inconsistent)
  --json             JSON lines on stdout (progress, result) instead of a progress bar
  --yes              do not ask for confirmation on a terminal

The source is opened read-only (exclusively when nothing on it is mounted) and never written.
On a failure or Ctrl-C the partial backup is removed; the exit code says why (see README).`;

function parseFormat(given: string | undefined, file: string): BackupFormat {
  if (given === undefined) return formatFromName(file);
  const f = given.toLowerCase();
  if (!(BACKUP_FORMATS as readonly string[]).includes(f)) throw usageError(`--format takes ${BACKUP_FORMATS.join(', ')}, not "${given}"`);
  return f as BackupFormat;
}

async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        to: { type: 'string' },
        format: { type: 'string' },
        'no-verify': { type: 'boolean' },
        force: { type: 'boolean' },
        'allow-mounted': { type: 'boolean' },
        json: { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
      },
    });
  } catch (e) {
    throw usageError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  const source = positionals[0];
  if (source === undefined || positionals.length > 1) throw usageError('backup takes exactly one SOURCE (see 3os-flash backup --help)');
  const output = values.to;
  if (output === undefined) throw usageError('backup needs --to FILE');
  const format = parseFormat(values.format, output);
  const json = values.json === true;
  if (io.stdin.isTTY === true && !json && values.yes !== true && source.startsWith('/dev/')) {
    if (!(await confirm(io, `This reads ${source} into ${output} (${source} is not changed).`, 'yes'))) {
      throw new FlashError('E_CANCELLED', 'not confirmed: nothing was read or written', { phase: 'open' });
    }
  }
  const view = new ProgressView(io, json);
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    const r = await runBackup(
      { source, output, format, verify: values['no-verify'] !== true, force: values.force === true },
      { signal: ac.signal, onEvent: (e) => view.onEvent(e), usage: diskUsage, describe: describeDisk, allowMounted: values['allow-mounted'] === true },
    );
    const i = r.info;
    if (json) io.out.write(`${JSON.stringify({ kind: 'summary', backup: i, files: { image: r.output, bmap: r.bmap, sha256: r.sha256File, info: r.infoFile } })}\n`);
    else {
      io.err.write(
        [
          `${r.output}: ${humanBytes(i.output.bytes)} (${i.output.format}${i.verified ? ', verified' : ', not verified'}) from ${i.source.path} (${humanBytes(i.source.size)}), in ${i.seconds.toFixed(1)} s`,
          `  in use: ${humanBytes(i.map.mappedBytes)} stored of ${humanBytes(i.map.readBytes)} read; map: ${i.map.method}`,
          `  sha256 ${i.output.sha256}`,
          `  beside it: ${r.bmap}, ${r.sha256File}, ${r.infoFile}`,
          `  restore with: 3os-flash write ${r.output} --to TARGET`,
          '',
        ].join('\n'),
      );
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

export const backupCommand: Command = { name: 'backup', summary: 'save a drive into an image of what is in use (restore with write)', usage, run };
