/**
 * `3os-flash catalog`: list the images the catalogs offer, filtered by board and/or arch (an image
 * that does not fit the board is not listed). Catalogs are verified before use; --offline reads
 * only cached copies.
 */
import { parseArgs } from 'node:util';
import { ARCHES, imagesFor, openCatalogSession, type Arch, type OfferedImage } from '../../../flasher/catalog/index.js';
import { usageError, type CliIO, type Command } from '../io.js';
import { humanBytes } from '../../../common/bytes.js';
import { catalogFlags, catalogFlagsHelp, catalogOptionsFrom } from './catalog-options.js';

const usage = `Usage: 3os-flash catalog [--board ID] [--arch ARCH] [--catalog URL|FILE ...] [--offline] [--json]

List the 3os images the catalogs offer. With --board, only images made for that board; with
--arch (x86_64, aarch64, armv7), only images for that architecture. Write one with
  3os-flash write catalog:IMAGE_ID --board ID --to TARGET

Options:
  --arch ARCH        only images for this architecture
${catalogFlagsHelp}
  --json             print boards, images and catalogs as one JSON object`;

function row(i: OfferedImage): string {
  const size = i.download.size === undefined ? 'not published' : humanBytes(i.download.size);
  return `${i.id.padEnd(34)} ${`${i.flavor} ${i.version}`.padEnd(18)} ${i.arch.padEnd(8)} ${size.padEnd(14)} ${i.boards.join(',')}`;
}

async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: false, options: { ...catalogFlags, arch: { type: 'string' }, json: { type: 'boolean' } } });
  } catch (e) {
    throw usageError(e instanceof Error ? e.message : String(e));
  }
  const v = parsed.values;
  const json = v.json === true;
  if (v.arch !== undefined && !(ARCHES as readonly string[]).includes(v.arch)) throw usageError(`--arch takes one of ${ARCHES.join(', ')}`);
  const notes: string[] = [];
  const opts = catalogOptionsFrom(v, io, (m) => (json ? notes.push(m) : io.err.write(`${m}\n`)));
  const s = await openCatalogSession(opts);
  const images = imagesFor(s.merged, { board: v.board, arch: v.arch as Arch | undefined });
  if (json) {
    const catalogs = s.merged.catalogs.map((c) => ({ source: c.source, name: c.catalog.name, trust: c.trust, fromCache: c.fromCache }));
    io.out.write(`${JSON.stringify({ kind: 'catalog', catalogs, boards: s.merged.boards, categories: s.merged.categories, images, notes })}\n`);
    return 0;
  }
  for (const c of s.merged.catalogs) io.err.write(`catalog ${c.source} (${c.catalog.name}): ${c.trust.kind === 'signed' ? `signed by ${c.trust.keyId}` : c.trust.kind}${c.fromCache ? ', cached copy' : ''}\n`);
  if (images.length === 0) {
    io.out.write(`no images${v.board !== undefined ? ` for board ${v.board}` : ''}${v.arch !== undefined ? ` for ${v.arch}` : ''}\n`);
    return 0;
  }
  io.out.write(`${'ID'.padEnd(34)} ${'FLAVOR'.padEnd(18)} ${'ARCH'.padEnd(8)} ${'DOWNLOAD'.padEnd(14)} BOARDS\n`);
  for (const i of images) io.out.write(`${row(i)}\n`);
  return 0;
}

export const catalogCommand: Command = { name: 'catalog', summary: 'list the 3os images the catalogs offer for a board', usage, run };
