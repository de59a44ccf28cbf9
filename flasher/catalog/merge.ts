/**
 * Several catalogs become one list: boards, images and categories by id, where the catalog listed
 * FIRST wins (the user's own catalogs before settings, settings before the bundled default), like
 * PATH. Shadowed entries are reported, not silently lost. Relative URLs are resolved against the
 * catalog they came from. Filtering by board and arch decides what is offered.
 */
import { FlashError } from '../errors.js';
import type { LoadedCatalog, Trust } from './load.js';
import { bootableTables, type Arch, type Board, type CatalogImage, type Category, type PartitionTableKind } from './schema.js';

/** An image as offered: URLs absolute, and which catalog (and trust) it came from. */
export interface OfferedImage extends CatalogImage {
  readonly catalog: string;
  readonly catalogTrust: Trust;
}

export interface MergedCatalog {
  readonly catalogs: readonly LoadedCatalog[];
  readonly boards: readonly Board[];
  readonly images: readonly OfferedImage[];
  readonly categories: readonly Category[];
  /** Shadowed ids and dangling board references, for the user to see. */
  readonly notes: readonly string[];
}

function abs(u: string | undefined, base: string): string | undefined {
  if (u === undefined) return undefined;
  try {
    return new URL(u, base).href;
  } catch {
    return u;
  }
}

export function mergeCatalogs(loaded: readonly LoadedCatalog[]): MergedCatalog {
  const boards = new Map<string, Board>();
  const images = new Map<string, OfferedImage>();
  const categories = new Map<string, Category>();
  const notes: string[] = [];
  const from = new Map<string, string>();
  for (const c of loaded) {
    for (const b of c.catalog.boards) {
      if (boards.has(b.id)) notes.push(`board ${b.id} from catalog ${c.source} is shadowed by catalog ${from.get(`b:${b.id}`) ?? '?'}`);
      else {
        boards.set(b.id, b);
        from.set(`b:${b.id}`, c.source);
      }
    }
    for (const k of c.catalog.categories) if (!categories.has(k.id)) categories.set(k.id, k);
    for (const i of c.catalog.images) {
      if (images.has(i.id)) {
        notes.push(`image ${i.id} from catalog ${c.source} is shadowed by catalog ${images.get(i.id)?.catalog ?? '?'}`);
        continue;
      }
      images.set(i.id, {
        ...i,
        url: abs(i.url, c.base) ?? i.url,
        icon: abs(i.icon, c.base),
        bmapUrl: abs(i.bmapUrl, c.base),
        signatureUrl: abs(i.signatureUrl, c.base),
        catalog: c.source,
        catalogTrust: c.trust,
      });
    }
  }
  for (const i of images.values()) {
    for (const b of i.boards) if (!boards.has(b)) notes.push(`image ${i.id} names board ${b}, which no catalog defines`);
  }
  return { catalogs: loaded, boards: [...boards.values()], images: [...images.values()], categories: [...categories.values()], notes };
}

export interface Fit {
  readonly fits: boolean;
  /** Why not, one line each. */
  readonly reasons: readonly string[];
}

/** What checkFit compares: a catalog entry, or the image's own 3os/image.json and partition table. */
export interface FitFacts {
  readonly arch?: string | undefined;
  readonly boards?: readonly string[] | undefined;
  /** The image's partition table; unknown (not checked) for a catalog entry that does not say. */
  readonly partitionTable?: PartitionTableKind | undefined;
}

const TABLE_NAME: Readonly<Record<PartitionTableKind, string>> = { gpt: 'GPT', mbr: 'MBR' };

/**
 * Does an image fit a board? The one home of the rule: the arch matches, the image lists the
 * board, and the board's firmware can boot the image's partition table (a GPT image on a Pi 3 or
 * Zero 2 W does not boot).
 */
export function checkFit(image: FitFacts, board: Board): Fit {
  const reasons: string[] = [];
  if (image.arch === undefined) reasons.push('the image does not say its architecture');
  else if (image.arch !== board.arch) reasons.push(`the image is for ${image.arch}, board ${board.id} is ${board.arch}`);
  if (image.boards === undefined || image.boards.length === 0) reasons.push('the image does not list the boards it supports');
  else if (!image.boards.includes(board.id)) reasons.push(`the image supports ${image.boards.join(', ')}, not ${board.id}`);
  const tables = bootableTables(board);
  if (image.partitionTable !== undefined && !tables.includes(image.partitionTable)) {
    const can = tables.map((t) => TABLE_NAME[t]).join(' or ');
    reasons.push(`the image has a ${TABLE_NAME[image.partitionTable]} partition table; the firmware of board ${board.id} boots only ${can}`);
  }
  return { fits: reasons.length === 0, reasons };
}

export function findBoard(m: MergedCatalog, id: string): Board {
  const b = m.boards.find((x) => x.id === id);
  if (b === undefined) {
    throw new FlashError('E_CATALOG', `unknown board "${id}" (known: ${m.boards.map((x) => x.id).join(', ') || 'none'})`, { phase: 'source' });
  }
  return b;
}

export interface ImageFilter {
  readonly board?: string | undefined;
  readonly arch?: Arch | undefined;
}

/** The images offered for a board and/or arch: an image that does not fit is not offered. */
export function imagesFor(m: MergedCatalog, f: ImageFilter = {}): OfferedImage[] {
  const board = f.board === undefined ? undefined : findBoard(m, f.board);
  return m.images.filter((i) => (f.arch === undefined || i.arch === f.arch) && (board === undefined || checkFit(i, board).fits));
}

export function findImage(m: MergedCatalog, id: string): OfferedImage | undefined {
  return m.images.find((i) => i.id === id);
}
