/**
 * A decoded source that fills buffers the caller owns: the write pipeline hands it a chunk of its
 * shared slab and the decoded bytes land there directly (large reads, no stream events, no copy).
 * Spawned decoders offer one (spawn-decoder.ts); the write engine falls back to the stream when a
 * source has none. See docs/engine.md "Profile".
 */
export interface SlabReader {
  /**
   * Fill `buf` from its start. Resolves with the bytes filled: `buf.length`, or fewer only at the
   * end of the data (0 once ended). Rejects with a FlashError (truncated, corrupt, cancelled).
   */
  fill(buf: Buffer): Promise<number>;
}

/** A source whose decoded bytes can be taken as a SlabReader instead of as a stream. */
export interface SlabReadable {
  /** The reader, or undefined when the stream has already been used (then read the stream). */
  claimSlabReader(): SlabReader | undefined;
}

export function isSlabReadable(x: unknown): x is SlabReadable {
  return typeof (x as Partial<SlabReadable> | null)?.claimSlabReader === 'function';
}
