/**
 * Bytes of a file or device for tests that compare disks: its SHA-256 (streamed, any size) and
 * a range read at an offset (zeros past the end).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

export async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    for await (const c of fh.createReadStream({ highWaterMark: 4 << 20 })) h.update(c as Buffer);
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

export async function readAt(path: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(length);
    await fh.read(b, 0, length, offset);
    return b;
  } finally {
    await fh.close();
  }
}
