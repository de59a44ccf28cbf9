/** The shared chunk pool: bounded, reference counted, and loud about a double release. */
import { describe, expect, it } from 'vitest';
import { ChunkPool } from '../../../../flasher/write/chunk-pool.js';

describe('ChunkPool', () => {
  it('hands out distinct chunks and makes the next acquire wait until one is released', async () => {
    const pool = new ChunkPool(2, 4096);
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(a.index).not.toBe(b.index);
    let got = false;
    const waiting = pool.acquire().then((c) => {
      got = true;
      return c;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toBe(false);
    a.refs = 2;
    pool.unref(a);
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toBe(false);
    pool.unref(a);
    expect((await waiting).index).toBe(a.index);
  });

  it('throws on a double release (a refcount bug would corrupt data)', async () => {
    const pool = new ChunkPool(2, 4096);
    const a = await pool.acquire();
    pool.release(a);
    expect(() => pool.release(a)).toThrow(/twice/);
  });
});
