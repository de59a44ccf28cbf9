/**
 * Read an LVM2 PV inside a DiskIO: label, metadata areas, committed text, parsed VG model.
 *
 * Everything is validated before anyone may write: label and header CRCs, magic and version,
 * mda positions against the label, text CRC (wrapped copies joined), agreement between the two
 * mdas, and the PV layout against the VG text. Anything we do not understand is refused.
 */
import { FlashError } from '../../flasher/errors.js';
import type { DiskIO } from '../../flasher/disk-io.js';
import { findLabel, formatUuid, LABEL_SCAN_SECTORS, SECTOR, type DiskLocn, type PvLabel } from './label.js';
import { decodeMdaHeader, MDA_HEADER_SIZE, RAW_LOCN_IGNORED, readLocnText, type MdaHeader } from './mda.js';
import { parseVgText, type VgModel } from './vg-model.js';

export const DEFAULT_VG_NAME = '3os';

export interface MetadataArea {
  /** Position in the label's metadata area list (0 = mda1 at the start, 1 = mda2 at the end). */
  readonly index: number;
  /** From the label: bytes relative to the PV start. */
  readonly locn: DiskLocn;
  readonly header: MdaHeader;
  readonly ignored: boolean;
  /** Committed text as stored (trailing NUL included), or undefined (ignored or empty). */
  readonly text: Buffer | undefined;
}

export interface PhysicalVolume {
  /** Byte offset of the PV in the disk. */
  readonly pvStart: number;
  /** Byte length the PV may use (the partition length). */
  readonly pvLength: number;
  readonly label: PvLabel;
  readonly mdas: readonly MetadataArea[];
  /** The metadata text in use (highest seqno), without the trailing NUL. */
  readonly text: string;
  readonly vg: VgModel;
  /** The mdas hold different copies (LVM would repair this on its next write; so do we). */
  readonly inconsistent: boolean;
}

const corrupt = (msg: string): FlashError => new FlashError('E_LVM_CORRUPT', msg, { phase: 'grow' });
const unsupported = (msg: string): FlashError => new FlashError('E_LVM_UNSUPPORTED', msg, { phase: 'grow' });

/** config_file_read_fd's check: metadata on a device must start with a valid VG name. */
function checkStartsWithVgName(text: string, where: string): void {
  const m = /^[^\s{]*/.exec(text);
  const name = m?.[0] ?? '';
  if (!/^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$/.test(name) || name === '.' || name === '..') {
    throw corrupt(`${where}: metadata text does not begin with a valid VG name`);
  }
}

function textOf(buf: Buffer): string {
  const nul = buf.indexOf(0);
  return buf.toString('latin1', 0, nul < 0 ? buf.length : nul);
}

export async function readPhysicalVolume(disk: DiskIO, pvStart: number, pvLength: number, vgName = DEFAULT_VG_NAME): Promise<PhysicalVolume> {
  if (!Number.isSafeInteger(pvStart) || !Number.isSafeInteger(pvLength) || pvStart < 0 || pvLength < LABEL_SCAN_SECTORS * SECTOR) {
    throw new FlashError('E_GROW', `invalid PV range: start ${pvStart}, length ${pvLength}`, { phase: 'grow' });
  }
  if (pvStart + pvLength > disk.size) {
    throw new FlashError('E_GROW', `PV range ${pvStart}+${pvLength} runs past the end of ${disk.path} (${disk.size} bytes)`, { phase: 'grow' });
  }
  const label = findLabel(await disk.read(pvStart, LABEL_SCAN_SECTORS * SECTOR));
  if (label.dataAreas.length !== 1 || label.dataAreas[0]?.size !== 0) {
    throw unsupported(`PV label lists ${label.dataAreas.length} data areas (expected one, reaching the end of the device)`);
  }
  if (label.metadataAreas.length === 0) throw unsupported('PV has no metadata area (pvcreate --metadatacopies 0): its VG metadata lives elsewhere');
  if (label.metadataAreas.length > 2) throw unsupported(`PV lists ${label.metadataAreas.length} metadata areas (LVM makes at most 2)`);

  const mdas: MetadataArea[] = [];
  for (const [index, locn] of label.metadataAreas.entries()) {
    if (locn.offset + locn.size > pvLength) {
      throw corrupt(`metadata area ${index + 1} (bytes ${locn.offset}+${locn.size}) lies beyond the PV's ${pvLength} bytes`);
    }
    if (locn.size < 2 * MDA_HEADER_SIZE) throw corrupt(`metadata area ${index + 1} is only ${locn.size} bytes`);
    const header = decodeMdaHeader(await disk.read(pvStart + locn.offset, MDA_HEADER_SIZE), locn.offset, locn.size);
    const ignored = (header.slot0.flags & RAW_LOCN_IGNORED) !== 0;
    const text = ignored || header.slot0.size === 0 ? undefined : await readLocnText(disk, pvStart, header, header.slot0);
    mdas.push({ index, locn, header, ignored, text });
  }
  const withText = mdas.filter((m): m is MetadataArea & { text: Buffer } => m.text !== undefined);
  if (withText.length === 0) {
    throw unsupported(mdas.every((m) => m.ignored) ? 'every metadata area of the PV is marked ignored' : 'PV is not in a volume group (no metadata)');
  }

  const parsed = withText.map((m) => {
    const t = textOf(m.text);
    checkStartsWithVgName(t, `metadata area ${m.index + 1}`);
    return { mda: m, text: t, vg: parseVgText(t, vgName) };
  });
  parsed.sort((a, b) => b.vg.seqno - a.vg.seqno);
  const best = parsed[0];
  if (best === undefined) throw corrupt('unreachable: no metadata');
  for (const p of parsed) {
    if (p.vg.id !== best.vg.id) throw unsupported('the PV\'s metadata areas describe two different volume groups');
  }
  const inconsistent = parsed.some((p) => p.vg.seqno !== best.vg.seqno || p.text !== best.text);
  if (parsed.some((p) => p.vg.seqno === best.vg.seqno && p.text !== best.text)) {
    throw corrupt(`metadata areas hold different texts for the same seqno ${best.vg.seqno}`);
  }

  const vg = best.vg;
  if (formatUuid(label.uuid) !== vg.pv.id) throw corrupt(`PV uuid ${formatUuid(label.uuid)} in the label is not the VG's PV ${vg.pv.id}`);
  checkLayout(label, mdas, vg, pvLength);
  return { pvStart, pvLength, label, mdas, text: best.text, vg, inconsistent };
}

function checkLayout(label: PvLabel, mdas: readonly MetadataArea[], vg: VgModel, pvLength: number): void {
  const pe0 = vg.pv.peStart * SECTOR;
  if (label.dataAreas[0]?.offset !== pe0) throw corrupt(`label data area starts at ${label.dataAreas[0]?.offset}, metadata says pe_start ${vg.pv.peStart} sectors`);
  const peEnd = pe0 + vg.pv.peCount * vg.extentSize * SECTOR;
  if (peEnd > pvLength) throw corrupt(`PV extents end at byte ${peEnd}, past the PV's ${pvLength} bytes`);
  let atStart = 0;
  let atEnd = 0;
  for (const m of mdas) {
    if (m.locn.offset + m.locn.size <= pe0) atStart++;
    else if (m.locn.offset >= peEnd) atEnd++;
    else throw corrupt(`metadata area ${m.index + 1} (bytes ${m.locn.offset}+${m.locn.size}) overlaps the physical extents`);
  }
  if (atStart > 1 || atEnd > 1) throw unsupported('unexpected metadata area layout (two areas on the same side of the extents)');
  for (const b of label.bootloaderAreas) {
    if (b.offset + b.size > pe0) throw unsupported('bootloader area after pe_start is not supported');
  }
}

/** The metadata area at the end of the PV (mda2), if the PV has one. */
export function endMetadataArea(pv: PhysicalVolume): MetadataArea | undefined {
  const pe0 = pv.vg.pv.peStart * SECTOR;
  return pv.mdas.find((m) => m.locn.offset > pe0);
}
