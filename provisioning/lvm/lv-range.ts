/**
 * Where an LV's bytes are on the disk, segment by segment.
 *
 * For a linear LV on the PV at `pvStart`: pvStart + pe_start*512 + pe*extent_size*512, in LE
 * order. The integrator uses it to run e2fsck/resize2fs offline on the LV's range.
 */
import { FlashError } from '../../flasher/errors.js';
import { SECTOR } from './label.js';
import type { PhysicalVolume } from './read-pv.js';

export interface ByteRange {
  /** Absolute byte offset in the disk. */
  readonly start: number;
  readonly length: number;
}

/** The LV's byte ranges in logical order; adjacent segments are joined into one range. */
export function lvByteRange(pv: PhysicalVolume, lvName: string): ByteRange[] {
  const lv = pv.vg.lvs.find((l) => l.name === lvName);
  if (lv === undefined) throw new FlashError('E_GROW', `no logical volume "${lvName}" in VG ${pv.vg.name}`, { phase: 'grow' });
  const ext = pv.vg.extentSize * SECTOR;
  const base = pv.pvStart + pv.vg.pv.peStart * SECTOR;
  const out: { start: number; length: number }[] = [];
  for (const s of lv.segments) {
    const start = base + s.pe * ext;
    const length = s.extentCount * ext;
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.start + prev.length === start) prev.length += length;
    else out.push({ start, length });
  }
  return out;
}
