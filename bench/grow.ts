/**
 * Benchmark (e): our offline grow (GPT + LVM metadata) of a 3os-layout disk on a 256 GiB sparse
 * file, and for reference the real tools doing the same on a copy (sgdisk -e, sfdisk, pvresize,
 * lvextend). The filesystem growth (resize2fs) is left out of both: it is the same tool either way.
 */
import { copyFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { growDisk } from '../provisioning/grow/grow-disk.js';
import { openDisk } from '../flasher/disk-io.js';
import { build3osImage } from '../testkit/threeos-image.js';
import { lvmOn } from '../testkit/lvm.js';
import { attachLoop, detachLoop } from '../testkit/loop.js';
import { shOk } from '../testkit/sh.js';

const SIZE = 256 * 1024 ** 3;

export interface GrowBench {
  readonly ours: number;
  readonly tools: number;
}

export async function benchGrow(dir: string): Promise<GrowBench> {
  const img = await build3osImage(dir, 'grow-bench.img');
  const ours = join(dir, 'grow-ours.img');
  const ref = join(dir, 'grow-ref.img');
  for (const f of [ours, ref]) {
    await copyFile(img.path, f);
    await truncate(f, SIZE);
  }
  const t0 = performance.now();
  const disk = await openDisk(ours, { writable: true });
  try {
    const g = await growDisk(disk, { offlineFilesystems: false });
    if (!g.changed) throw new Error('grow bench: nothing was grown');
  } finally {
    await disk.close();
  }
  const oursS = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  await shOk('sgdisk', ['-e', ref]);
  await shOk('bash', ['-c', `echo ', +' | sfdisk -q -N 5 --no-reread ${ref}`]);
  const start = img.parts.data.start;
  const dev = await attachLoop(ref, { offset: start, sizeLimit: SIZE - start - 33 * 512 });
  try {
    await lvmOn(dev, 'pvresize', '-q', dev);
    await lvmOn(dev, 'lvextend', '-q', '-l', '+100%FREE', '3os/containers');
  } finally {
    await detachLoop(dev);
  }
  return { ours: oursS, tools: (performance.now() - t1) / 1000 };
}
