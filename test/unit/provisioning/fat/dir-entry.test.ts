// FAT timestamps: local time, 2-second resolution, 1980..2107.
import { describe, expect, it } from 'vitest';
import { fromFatStamp, toFatStamp } from '../../../../provisioning/fat/dir-entry.js';

describe('FAT timestamps', () => {
  it('encodes the fields of the spec', () => {
    const s = toFatStamp(new Date(2024, 4, 17, 13, 45, 31, 250));
    expect(s.date).toBe(((2024 - 1980) << 9) | (5 << 5) | 17);
    expect(s.time).toBe((13 << 11) | (45 << 5) | 15);
    expect(s.tenths).toBe(125);
    expect(fromFatStamp(s.date, s.time, s.tenths)).toEqual(new Date(2024, 4, 17, 13, 45, 31, 250));
  });

  it('clamps dates FAT cannot hold', () => {
    expect(fromFatStamp(toFatStamp(new Date(1970, 0, 1)).date, 0)).toEqual(new Date(1980, 0, 1));
    const late = toFatStamp(new Date(2200, 0, 1));
    expect(fromFatStamp(late.date, late.time)).toEqual(new Date(2107, 11, 31, 23, 59, 58));
  });
});
