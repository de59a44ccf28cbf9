/**
 * Our reader of ext2/3/4 block bitmaps (provisioning/backup/ext4-usage.ts) against e2fsprogs:
 * for file systems made by mke2fs with different block sizes and features, and holding files,
 * the blocks we call used are exactly the blocks dumpe2fs does not list as free.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDisk } from '../../../flasher/disk-io.js';
import { ext4Usage } from '../../../provisioning/backup/ext4-usage.js';
import { shOk } from '../../../testkit/sh.js';

const MiB = 1024 * 1024;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ext4u-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Free block ranges as dumpe2fs lists them per group ("Free blocks: 10-20, 33"). */
function freeFromDumpe2fs(text: string): Set<number> {
  const free = new Set<number>();
  for (const m of text.matchAll(/^\s+Free blocks: (.*)$/gm)) {
    for (const part of (m[1] ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '')) {
      const [a, b] = part.split('-').map(Number);
      if (a === undefined) continue;
      for (let i = a; i <= (b ?? a); i++) free.add(i);
    }
  }
  return free;
}

describe('ext4 block usage from the bitmaps', () => {
  it.each([
    ['ext4, 4 KiB blocks', ['-t', 'ext4', '-b', '4096'], 256],
    ['ext4, 1 KiB blocks', ['-t', 'ext4', '-b', '1024'], 64],
    ['ext4 64bit, many groups', ['-t', 'ext4', '-O', '64bit', '-b', '4096', '-g', '4096'], 160],
    ['ext2 (no uninit_bg)', ['-t', 'ext2'], 64],
    ['ext4 without flex_bg', ['-t', 'ext4', '-O', '^flex_bg'], 128],
  ] as const)('%s', async (name, opts, sizeMiB) => {
    const img = join(dir, `${name.replace(/\W+/g, '_')}.img`);
    await shOk('truncate', ['-s', String(sizeMiB * MiB), img]);
    await shOk('mke2fs', ['-q', '-F', ...opts, img]);
    for (let i = 0; i < 5; i++) {
      const f = join(dir, `f${i}`);
      await writeFile(f, randomBytes((i + 1) * 700 * 1024));
      await shOk('debugfs', ['-w', '-R', `write ${f} f${i}`, img]);
    }
    await shOk('debugfs', ['-w', '-R', 'rm f2', img]);
    const text = await shOk('dumpe2fs', [img]);
    const blocks = Number(/^Block count:\s+(\d+)/m.exec(text)?.[1]);
    const bs = Number(/^Block size:\s+(\d+)/m.exec(text)?.[1]);
    const first = Number(/^First block:\s+(\d+)/m.exec(text)?.[1]);
    const free = freeFromDumpe2fs(text);
    const disk = await openDisk(img);
    try {
      const u = await ext4Usage(disk, 0, disk.size);
      if ('skipped' in u) throw new Error(u.skipped);
      expect(u.blockSize).toBe(bs);
      const ours = new Set<number>();
      for (const r of u.used) for (let b = r.start / bs; b < r.end / bs; b++) ours.add(b);
      for (let b = first; b < blocks; b++) {
        if (ours.has(b) === free.has(b)) throw new Error(`block ${b}: ours ${ours.has(b) ? 'used' : 'free'}, dumpe2fs ${free.has(b) ? 'free' : 'used'}`);
      }
      expect(u.usedBytes).toBeLessThan(blocks * bs);
    } finally {
      await disk.close();
    }
  });
});
