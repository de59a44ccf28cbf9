/**
 * bmap files (bmaptool block maps, formats 1.0-1.4 and 2.x): parse and validate them completely
 * before anything is written (counts, range order and bounds, the file's own checksum exactly as
 * BmapCopy.py computes it: the stored digest replaced by as many ASCII '0' in the raw bytes), find
 * the bmap that sits beside an image, and hash a range the way bmaptool does.
 * Spec: docs/disk-formats.md §5.
 */
import { createHash, getHashes, type Hash } from 'node:crypto';
import { access, constants } from 'node:fs/promises';
import { FlashError } from '../errors.js';
import { parseXml, XmlError, type XmlElement } from './mini-xml.js';

export interface BmapRange {
  /** First block (inclusive). */
  readonly first: number;
  /** Last block (inclusive). */
  readonly last: number;
  /** Hex digest of image bytes [first*BS, min((last+1)*BS, imageSize)), when the bmap gives one. */
  readonly checksum: string | undefined;
}

export interface Bmap {
  /** Format version as written, e.g. "2.0". */
  readonly version: string;
  readonly imageSize: number;
  readonly blockSize: number;
  readonly blocksCount: number;
  readonly mappedBlocksCount: number;
  /** node:crypto algorithm of the range checksums (and the file checksum); undefined for 1.0-1.2. */
  readonly checksumType: string | undefined;
  /** Sorted, non-overlapping, inside the image. */
  readonly ranges: readonly BmapRange[];
  /** Bytes the ranges cover (the last block of the image may be short). */
  readonly mappedBytes: number;
}

function bad(reason: string): never {
  throw new FlashError('E_BMAP', `bad bmap file: ${reason}`, { phase: 'open' });
}

function child(root: XmlElement, name: string): XmlElement | undefined {
  return root.children.find((c) => c.name === name);
}

function intField(root: XmlElement, name: string): number {
  const el = child(root, name) ?? bad(`<${name}> is missing`);
  return parseCount(el.text.trim(), `<${name}>`);
}

function parseCount(s: string, what: string): number {
  if (!/^\d+$/.test(s)) bad(`${what} is not a whole number: "${s.slice(0, 40)}"`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) bad(`${what} is too large: ${s}`);
  return n;
}

/** Byte span [start, end) of a range in the image (the last block may be short). */
export function rangeBytes(bmap: Pick<Bmap, 'blockSize' | 'imageSize'>, r: Pick<BmapRange, 'first' | 'last'>): { readonly start: number; readonly end: number } {
  return { start: r.first * bmap.blockSize, end: Math.min((r.last + 1) * bmap.blockSize, bmap.imageSize) };
}

function hexLength(alg: string): number {
  return createHash(alg).digest('hex').length;
}

/** Parse and fully validate a bmap file; throws E_BMAP with the reason. */
export function parseBmap(bytes: Buffer): Bmap {
  const src = bytes.toString('utf8');
  if (src.includes('-----BEGIN PGP SIGNED MESSAGE-----')) bad('PGP clearsigned bmap files are not supported; use the plain .bmap');
  let root: XmlElement;
  try {
    root = parseXml(src);
  } catch (e) {
    if (e instanceof XmlError) bad(`not well-formed XML: ${e.message}`);
    throw e;
  }
  if (root.name !== 'bmap') bad(`root element is <${root.name}>, not <bmap>`);
  const version = (root.attrs.version ?? bad('no version attribute')).trim();
  const vm = /^(\d+)\.(\d+)$/.exec(version) ?? bad(`unreadable version "${version}"`);
  const major = Number(vm[1]);
  const minor = Number(vm[2]);
  if (major > 2) bad(`format version ${version} is not supported (up to 2.x)`);
  if (major < 1) bad(`format version ${version} is not supported`);

  const imageSize = intField(root, 'ImageSize');
  const blockSize = intField(root, 'BlockSize');
  const blocksCount = intField(root, 'BlocksCount');
  const mappedBlocksCount = intField(root, 'MappedBlocksCount');
  if (blockSize === 0) bad('BlockSize is 0');
  const expectedBlocks = Math.ceil(imageSize / blockSize);
  if (blocksCount !== expectedBlocks) {
    bad(`BlocksCount ${blocksCount} does not match ImageSize ${imageSize} / BlockSize ${blockSize} (${expectedBlocks} blocks)`);
  }

  // Which checksums this version carries (BmapCopy.py): 2.x and 1.4 name the algorithm, 1.3 is
  // sha1 only, 1.0-1.2 have none that are checked.
  let checksumType: string | undefined;
  let rangeAttr: string | undefined;
  let fileTag: string | undefined;
  if (major >= 2 || minor === 4) {
    checksumType = (child(root, 'ChecksumType') ?? bad('<ChecksumType> is missing')).text.trim().toLowerCase();
    rangeAttr = 'chksum';
    fileTag = 'BmapFileChecksum';
  } else if (minor === 3) {
    checksumType = 'sha1';
    rangeAttr = 'sha1';
    fileTag = 'BmapFileSHA1';
  }
  let hexLen = 0;
  if (checksumType !== undefined) {
    if (!/^[a-z0-9-]+$/.test(checksumType) || !getHashes().includes(checksumType)) bad(`unsupported checksum type "${checksumType}"`);
    hexLen = hexLength(checksumType);
  }

  if (fileTag !== undefined && checksumType !== undefined) {
    const stored = (child(root, fileTag) ?? bad(`<${fileTag}> is missing`)).text.trim();
    if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(stored)) bad(`<${fileTag}> is not a ${checksumType} hex digest`);
    const at = bytes.indexOf(Buffer.from(stored, 'latin1'));
    const zeroed = Buffer.from(bytes);
    zeroed.fill(0x30, at, at + stored.length);
    const actual = createHash(checksumType).update(zeroed).digest('hex');
    if (actual !== stored.toLowerCase()) bad(`the file's own ${checksumType} checksum does not match: it was altered or damaged`);
  }

  const blockMap = child(root, 'BlockMap') ?? bad('<BlockMap> is missing');
  const ranges: BmapRange[] = [];
  let mapped = 0;
  let mappedBytes = 0;
  let prevLast = -1;
  for (const el of blockMap.children) {
    if (el.name !== 'Range') continue;
    const text = el.text.trim();
    const dash = text.indexOf('-');
    const first = parseCount((dash < 0 ? text : text.slice(0, dash)).trim(), `range "${text}"`);
    const last = dash < 0 ? first : parseCount(text.slice(dash + 1).trim(), `range "${text}"`);
    if (first > last) bad(`range ${text} has first > last`);
    if (first <= prevLast) bad(`range ${text} overlaps or is out of order after block ${prevLast}`);
    if (last >= blocksCount) bad(`range ${text} lies beyond the image's ${blocksCount} blocks`);
    let checksum: string | undefined;
    const raw = rangeAttr === undefined ? undefined : el.attrs[rangeAttr];
    if (raw !== undefined) {
      checksum = raw.trim().toLowerCase();
      if (!new RegExp(`^[0-9a-f]{${hexLen}}$`).test(checksum)) bad(`range ${text} has a malformed ${checksumType ?? ''} checksum`);
    }
    const r: BmapRange = { first, last, checksum };
    ranges.push(r);
    mapped += last - first + 1;
    const span = rangeBytes({ blockSize, imageSize }, r);
    mappedBytes += span.end - span.start;
    prevLast = last;
  }
  if (mapped !== mappedBlocksCount) bad(`MappedBlocksCount ${mappedBlocksCount} does not match the ranges (${mapped} blocks)`);
  return { version, imageSize, blockSize, blocksCount, mappedBlocksCount, checksumType, ranges, mappedBytes };
}

/** A fresh hash for one range, with the bmap's algorithm (feed it the range's bytes, then digest('hex')). */
export function rangeHasher(checksumType: string): Hash {
  try {
    return createHash(checksumType);
  } catch (e) {
    throw new FlashError('E_BMAP', `unsupported bmap checksum type "${checksumType}"`, { phase: 'open', cause: e });
  }
}

/** Candidate bmap paths for an image path, in the order they are tried. */
export function bmapCandidates(imagePath: string): string[] {
  const out = [`${imagePath}.bmap`];
  const m = /^(.*)\.(xz|gz|gzip|zst|zstd|bz2|bzip2|zip)$/i.exec(imagePath);
  if (m !== null) out.push(`${m[1]}.bmap`);
  return out;
}

/**
 * The bmap beside a local image: `X.bmap` for image `X`, and for a compressed `X.img.xz` (any of
 * our compression suffixes) also `X.img.bmap`. Undefined when none is readable.
 */
export async function findBmap(imagePath: string): Promise<string | undefined> {
  for (const p of bmapCandidates(imagePath)) {
    try {
      await access(p, constants.R_OK);
      return p;
    } catch {
      // try the next
    }
  }
  return undefined;
}
