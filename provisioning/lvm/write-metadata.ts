/**
 * Commit a new metadata version to every metadata area of a PV, power-loss safe (docs/disk-formats.md §2.6).
 *
 * Order: text into each ring next to (never over) the committed copy; precommit (slot 1);
 * a moved end mda is built completely at its new place, then the label is switched to it in one
 * 512-byte write; finally each staying mda header commits (slot 0 = new, slot 1 = 0). Each step
 * is flushed, so at any instant every mda the label points to holds a valid old or new copy.
 */
import { FlashError } from '../../flasher/errors.js';
import type { DiskIO } from '../../flasher/disk-io.js';
import { lvmCrc } from './crc.js';
import { encodeLabel, SECTOR, type PvLabel } from './label.js';
import {
  EMPTY_LOCN,
  encodeMdaHeader,
  MDA_HEADER_SIZE,
  maxTextSize,
  nextTextOffset,
  overlapsCommitted,
  planTextWrites,
  RAW_LOCN_IGNORED,
  type MdaHeader,
  type RawLocn,
} from './mda.js';
import type { MetadataArea, PhysicalVolume } from './read-pv.js';

export interface MetadataWrite {
  /** NUL-terminated text. */
  readonly text: Buffer;
  /** Label to write (undefined: leave the label sector as it is). */
  readonly label: PvLabel | undefined;
  /** Move this mda (the end one) to a new PV-relative offset. */
  readonly move?: { readonly mda: MetadataArea; readonly newOffset: number };
}

/** Check that the text fits every mda that receives it; throws before anything is written. */
export function checkTextFits(pv: PhysicalVolume, text: Buffer): void {
  for (const m of pv.mdas) {
    if (m.ignored) continue;
    const max = maxTextSize(m.header.size);
    if (text.length > max) {
      throw new FlashError('E_LVM_UNSUPPORTED', `new metadata (${text.length} bytes) does not fit metadata area ${m.index + 1} (max ${max} bytes)`, { phase: 'grow' });
    }
  }
}

export async function writeMetadata(disk: DiskIO, pv: PhysicalVolume, w: MetadataWrite): Promise<void> {
  checkTextFits(pv, w.text);
  const checksum = lvmCrc(w.text);
  const base = pv.pvStart;
  const staying = pv.mdas.filter((m) => m !== w.move?.mda && !m.ignored);
  const placed = staying.map((m) => {
    const offset = nextTextOffset(m.header);
    if (overlapsCommitted(m.header, offset, w.text.length)) {
      throw new FlashError('E_GROW', `new metadata would overlap the committed copy in metadata area ${m.index + 1}`, { phase: 'grow' });
    }
    const locn: RawLocn = { offset, size: w.text.length, checksum, flags: 0 };
    return { m, locn };
  });

  // 1. vg_write: the text, into free ring space.
  for (const { m, locn } of placed) {
    for (const wr of planTextWrites(base, m.header, locn.offset, w.text)) await disk.write(wr.at, wr.data);
  }
  await disk.flush();
  // 2. precommit: slot 1 announces the new copy, slot 0 still commits the old one.
  for (const { m, locn } of placed) {
    await disk.write(base + m.header.start, encodeMdaHeader({ ...m.header, slot1: locn }));
  }
  await disk.flush();

  // 3. the moved end mda: built in full at its new place, then the label switches to it.
  if (w.move !== undefined) {
    const { mda, newOffset } = w.move;
    const header: MdaHeader = { start: newOffset, size: mda.header.size, slot0: EMPTY_LOCN, slot1: EMPTY_LOCN };
    const zero = Math.min(4096, mda.header.size);
    await disk.write(base + newOffset, Buffer.alloc(zero));
    let fresh: MdaHeader;
    if (mda.ignored) {
      fresh = { ...header, slot0: { ...EMPTY_LOCN, flags: RAW_LOCN_IGNORED } };
    } else {
      for (const wr of planTextWrites(base, header, MDA_HEADER_SIZE, w.text)) await disk.write(wr.at, wr.data);
      fresh = { ...header, slot0: { offset: MDA_HEADER_SIZE, size: w.text.length, checksum, flags: 0 } };
    }
    await disk.flush();
    await disk.write(base + newOffset, encodeMdaHeader(fresh));
    await disk.flush();
  }
  if (w.label !== undefined && w.move !== undefined) {
    await disk.write(base + w.label.sector * SECTOR, encodeLabel(w.label));
    await disk.flush();
  }

  // 4. vg_commit: slot 0 = new copy, slot 1 cleared.
  for (const { m, locn } of placed) {
    await disk.write(base + m.header.start, encodeMdaHeader({ ...m.header, slot0: locn, slot1: EMPTY_LOCN }));
  }
  await disk.flush();
  if (w.label !== undefined && w.move === undefined) {
    await disk.write(base + w.label.sector * SECTOR, encodeLabel(w.label));
    await disk.flush();
  }
}
