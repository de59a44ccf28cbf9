/** Written pieces and how verification groups them into reads. */
import { describe, expect, it } from 'vitest';
import { PIECE, WrittenMap } from '../../../../flasher/write/written-map.js';

describe('WrittenMap.runs', () => {
  it('joins contiguous pieces up to the read size, and splits at gaps', () => {
    const m = new WrittenMap();
    const starts = [0, PIECE, 2 * PIECE, 10 * PIECE, 11 * PIECE];
    m.add(starts, starts.map(() => PIECE), starts.map((_, i) => BigInt(i)));
    expect([...m.runs(2 * PIECE)]).toEqual([[0, 2], [2, 3], [3, 5]]);
    expect([...m.runs(100 * PIECE)]).toEqual([[0, 3], [3, 5]]);
    expect(m.bytes).toBe(5 * PIECE);
    expect(m.piece(3)).toEqual({ offset: 10 * PIECE, length: PIECE, hash: 3n });
  });
});
