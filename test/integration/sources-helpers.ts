/**
 * Helpers for the image-source integration tests: hash streams, build a mixed random+zero test
 * image, and drain an opened image into a hash or a FlashError. Tools run through testkit/sh.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { isFlashError, type FlashError } from '../../flasher/errors.js';

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** An image of `mib` MiB: random islands, zero runs and a short odd tail, so formats see both. */
export async function makeImage(path: string, mib: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < mib; i++) {
    if (i % 3 === 0) parts.push(randomBytes(1 << 20));
    else if (i % 3 === 1) parts.push(Buffer.alloc(1 << 20));
    else parts.push(Buffer.concat([randomBytes(300_000), Buffer.alloc((1 << 20) - 300_000)]));
  }
  parts.push(randomBytes(12_345));
  const img = Buffer.concat(parts);
  const fh = await open(path, 'w');
  await fh.writeFile(img);
  await fh.close();
  return img;
}

export interface Drained {
  readonly sha256: string | undefined;
  readonly bytes: number;
  readonly error: FlashError | undefined;
}

/** Read a stream to the end; a FlashError is returned, anything else is rethrown (a bug). */
export async function drain(s: Readable): Promise<Drained> {
  const h = createHash('sha256');
  let bytes = 0;
  try {
    for await (const c of s as AsyncIterable<Buffer>) {
      h.update(c);
      bytes += c.length;
    }
  } catch (e) {
    if (isFlashError(e)) return { sha256: undefined, bytes, error: e };
    throw e;
  }
  return { sha256: h.digest('hex'), bytes, error: undefined };
}
