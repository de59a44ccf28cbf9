import { describe, expect, it } from 'vitest';
import { gptCrc32 } from '../../../../provisioning/partition/crc32.js';

describe('gptCrc32', () => {
  it('matches the IEEE CRC-32 check value for "123456789"', () => {
    expect(gptCrc32(Buffer.from('123456789', 'ascii'))).toBe(0xcbf43926);
  });
  it('is 0 for no data and unsigned for values with the top bit set', () => {
    expect(gptCrc32(new Uint8Array(0))).toBe(0);
    const v = gptCrc32(Buffer.from('The quick brown fox jumps over the lazy dog', 'ascii'));
    expect(v).toBe(0x414fa339);
    expect(v).toBeGreaterThan(0);
  });
});
