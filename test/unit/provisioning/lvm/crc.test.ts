// LVM CRC test vectors from docs/disk-formats.md §1, and the zlib path against the byte-wise table.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { lvmCrc, lvmCrcTable } from '../../../../provisioning/lvm/crc.js';

describe('lvmCrc', () => {
  it('matches the documented check values', () => {
    expect(lvmCrc(Buffer.from('123456789', 'ascii'))).toBe(0x4991cf02);
    expect(lvmCrc(new Uint8Array(0))).toBe(0xf597a6cf);
    expect(lvmCrc(new Uint8Array(508))).toBe(0x6702d122);
    expect(lvmCrcTable(Buffer.from('123456789', 'ascii'))).toBe(0x4991cf02);
  });

  it('zlib-based and table-based implementations agree on random data', () => {
    for (const n of [1, 7, 512, 4099, 65536]) {
      const b = randomBytes(n);
      expect(lvmCrc(b)).toBe(lvmCrcTable(b));
    }
  });
});
