// The one byte formatter and the one reader of typed sizes (common/bytes.ts), used by the engine's
// messages, the CLI and the app alike.
import { describe, expect, it } from 'vitest';
import { humanBytes, humanRate, parseBytes } from '../../../common/bytes.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

describe('humanBytes: IEC units, three significant digits, exact below 1 KiB', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1.00 KiB'],
    [1536, '1.50 KiB'],
    [10 * KiB, '10.0 KiB'],
    [100 * KiB, '100 KiB'],
    [1024 * KiB - 1, '1.00 MiB'],
    [256 * MiB, '256 MiB'],
    [GiB, '1.00 GiB'],
    [32_000_000_000, '29.8 GiB'],
    [32 * GiB, '32.0 GiB'],
    [256 * GiB, '256 GiB'],
    [2 * 1024 * GiB, '2.00 TiB'],
    [-1536, '-1.50 KiB'],
    [Number.NaN, '?'],
  ])('%d -> %s', (n, text) => {
    expect(humanBytes(n)).toBe(text);
  });

  it('speeds', () => {
    expect(humanRate(12.5 * MiB)).toBe('12.5 MiB/s');
  });
});

describe('parseBytes: K/M/G/T/P with optional iB/B, any case, powers of 1024', () => {
  it.each([
    ['2G', 2 * GiB],
    ['2GiB', 2 * GiB],
    ['2GB', 2 * GiB],
    ['2g', 2 * GiB],
    ['1.5M', 1.5 * MiB],
    ['0.1K', 103],
    ['4096B', 4096],
    ['0G', 0],
    ['1P', 1024 ** 5],
  ])('%s -> %d', (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });

  it.each(['', '2', '2 G', ' 2G', '-2G', '+2G', '2E', '1e3M', '1.5B', 'G', '2Gi', '2GiBs', '99999999P'])('refuses %j', (text) => {
    expect(parseBytes(text)).toBeUndefined();
  });
});
