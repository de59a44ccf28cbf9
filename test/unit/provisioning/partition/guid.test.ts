import { describe, expect, it } from 'vitest';
import { guidFromBytes, guidToBytes, randomGuid } from '../../../../provisioning/partition/guid.js';

describe('GPT GUID byte order', () => {
  it('stores the first three groups little-endian (docs/disk-formats.md §3.4 examples)', () => {
    expect(guidToBytes('E6D6D379-F507-44C2-A23C-238F2A3DF928').toString('hex')).toBe('79d3d6e607f5c244a23c238f2a3df928');
    expect(guidToBytes('12345678-9ABC-DEF0-1234-56789ABCDEF0').toString('hex')).toBe('78563412bc9af0de123456789abcdef0');
  });
  it('decodes to lower-case text and round-trips', () => {
    const b = Buffer.from('0079d3d6e607f5c244a23c238f2a3df928', 'hex');
    expect(guidFromBytes(b, 1)).toBe('e6d6d379-f507-44c2-a23c-238f2a3df928');
    const g = randomGuid();
    expect(guidFromBytes(guidToBytes(g))).toBe(g);
  });
  it('rejects malformed text', () => {
    expect(() => guidToBytes('not-a-guid')).toThrow(TypeError);
  });
});
