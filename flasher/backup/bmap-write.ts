/**
 * Writes bmap 2.0 files (the format bmaptool reads; docs/disk-formats.md §5): SHA-256 per range
 * and the file's own checksum computed as bmaptool does (sha256 of the file with the digest's
 * place filled with ASCII '0'). The reader in flasher/source/bmap.ts checks what this writes.
 */
import { createHash } from 'node:crypto';

export interface MappedRange {
  /** First block (inclusive). */
  readonly first: number;
  /** Last block (inclusive). */
  readonly last: number;
  /** Hex SHA-256 of the range's bytes (the last block of the image may be short). */
  readonly sha256: string;
}

export interface BmapFileSpec {
  readonly imageSize: number;
  readonly blockSize: number;
  readonly ranges: readonly MappedRange[];
  /** One line for the XML comment (what made the map; never metadata the reader depends on). */
  readonly comment?: string | undefined;
}

const ZEROS = '0'.repeat(64);

/** The bmap file's bytes. */
export function renderBmap(spec: BmapFileSpec): Buffer {
  const blocks = Math.ceil(spec.imageSize / spec.blockSize);
  const mapped = spec.ranges.reduce((n, r) => n + (r.last - r.first + 1), 0);
  const comment = (spec.comment ?? '').replace(/--/g, '- -');
  const lines = [
    '<?xml version="1.0" ?>',
    `<!-- Made by 3os-flash backup.${comment === '' ? '' : ` ${comment}`} -->`,
    '<bmap version="2.0">',
    `    <ImageSize> ${spec.imageSize} </ImageSize>`,
    `    <BlockSize> ${spec.blockSize} </BlockSize>`,
    `    <BlocksCount> ${blocks} </BlocksCount>`,
    `    <MappedBlocksCount> ${mapped} </MappedBlocksCount>`,
    '    <ChecksumType> sha256 </ChecksumType>',
    `    <BmapFileChecksum> ${ZEROS} </BmapFileChecksum>`,
    '    <BlockMap>',
    ...spec.ranges.map((r) => `        <Range chksum="${r.sha256}"> ${r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`} </Range>`),
    '    </BlockMap>',
    '</bmap>',
    '',
  ];
  const text = lines.join('\n');
  const digest = createHash('sha256').update(text, 'utf8').digest('hex');
  return Buffer.from(text.replace(ZEROS, digest), 'utf8');
}
