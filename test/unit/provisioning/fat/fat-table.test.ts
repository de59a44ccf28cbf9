// FAT12 entry packing: two 12-bit entries in three bytes, neighbours left intact.
import { describe, expect, it } from 'vitest';
import { fatLimits, getFat12, setFat12 } from '../../../../provisioning/fat/fat-table.js';

describe('FAT12 packing', () => {
  it('reads the packed layout of the spec', () => {
    // Entries 0..3 = 0xFF8, 0xFFF, 0x003, 0x004 pack into F8 FF FF 03 40 00.
    const buf = Buffer.from([0xf8, 0xff, 0xff, 0x03, 0x40, 0x00]);
    expect([0, 1, 2, 3].map((n) => getFat12(buf, n))).toEqual([0xff8, 0xfff, 0x003, 0x004]);
  });

  it('writes the same bytes, without touching the neighbouring entry', () => {
    const buf = Buffer.alloc(6);
    setFat12(buf, 0, 0xff8);
    setFat12(buf, 1, 0xfff);
    setFat12(buf, 2, 0x003);
    setFat12(buf, 3, 0x004);
    expect(buf.toString('hex')).toBe('f8ffff034000');
    setFat12(buf, 2, 0xabc);
    expect([getFat12(buf, 1), getFat12(buf, 2), getFat12(buf, 3)]).toEqual([0xfff, 0xabc, 0x004]);
    setFat12(buf, 3, 0x123);
    expect([getFat12(buf, 2), getFat12(buf, 3)]).toEqual([0xabc, 0x123]);
  });

  it('knows the end-of-chain and bad-cluster values per type', () => {
    expect(fatLimits('FAT12')).toEqual({ eocMin: 0xff8, eoc: 0xfff, bad: 0xff7 });
    expect(fatLimits('FAT16')).toEqual({ eocMin: 0xfff8, eoc: 0xffff, bad: 0xfff7 });
    expect(fatLimits('FAT32')).toEqual({ eocMin: 0x0ffffff8, eoc: 0x0fffffff, bad: 0x0ffffff7 });
  });
});
