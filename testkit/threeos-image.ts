/**
 * Builds a small image in the 3os layout with the real tools, for integration tests:
 * GPT (sgdisk) with the five named partitions, FAT boot and config (mkfs.fat, label 3OS-CONFIG,
 * 3os/image.json via mtools), and an LVM2 PV with VG `3os` and LVs etc/home/containers made by
 * pvcreate/vgcreate/lvcreate in metadata-only mode, ext4 on `containers` (mkfs.ext4 on its range).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { attachLoop, detachLoop } from './loop.js';
import { lvmOn } from './lvm.js';
import { shOk } from './sh.js';

const MiB = 1024 * 1024;

export const TYPES = {
  esp: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b',
  basic: 'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7',
  rootX64: '4f68bce3-e8cd-4db1-96e7-fbcaf984b709',
  lvm: 'e6d6d379-f507-44c2-a23c-238f2a3df928',
};

export interface Built3os {
  readonly path: string;
  readonly size: number;
  /** Byte offsets/sizes of the partitions, by role. */
  readonly parts: Record<'boot' | 'config' | 'rootA' | 'rootB' | 'data', { start: number; size: number }>;
}

export async function build3osImage(dir: string, name = '3os.img'): Promise<Built3os> {
  const path = join(dir, name);
  const size = 160 * MiB;
  await shOk('truncate', ['-s', String(size), path]);
  await shOk('sgdisk', [
    '-o',
    '-n', '1:2048:+16M', '-t', `1:${TYPES.esp}`, '-c', '1:3os-boot',
    '-n', '2:0:+8M', '-t', `2:${TYPES.basic}`, '-c', '2:3os-config',
    '-n', '3:0:+16M', '-t', `3:${TYPES.rootX64}`, '-c', '3:3os-root-a',
    '-n', '4:0:+16M', '-t', `4:${TYPES.rootX64}`, '-c', '4:3os-root-b',
    '-n', '5:0:0', '-t', `5:${TYPES.lvm}`, '-c', '5:3os-data',
    path,
  ]);
  const parts = {
    boot: { start: 1 * MiB, size: 16 * MiB },
    config: { start: 17 * MiB, size: 8 * MiB },
    rootA: { start: 25 * MiB, size: 16 * MiB },
    rootB: { start: 41 * MiB, size: 16 * MiB },
    data: { start: 57 * MiB, size: size - 57 * MiB - 33 * 512 },
  };
  await shOk('mkfs.fat', ['-F', '16', '-s', '1', '-n', '3OS-BOOT', '--offset', String(parts.boot.start / 512), path, String(parts.boot.size / 1024)]);
  await shOk('mkfs.fat', ['-F', '16', '-s', '1', '-n', '3OS-CONFIG', '--offset', String(parts.config.start / 512), path, String(parts.config.size / 1024)]);
  const imageJson = join(dir, `${name}.image.json`);
  await writeFile(imageJson, JSON.stringify({ flavor: 'debian', version: '0.1.0', arch: 'x86_64', boards: ['generic-x86_64'], build_id: 'test' }));
  await shOk('mmd', ['-i', `${path}@@${parts.config.start}`, '::/3os']);
  await shOk('mcopy', ['-i', `${path}@@${parts.config.start}`, imageJson, '::/3os/image.json']);

  const dev = await attachLoop(path, { offset: parts.data.start, sizeLimit: parts.data.size });
  try {
    await lvmOn(dev, 'pvcreate', '-q', dev);
    await lvmOn(dev, 'vgcreate', '-q', '3os', dev);
    await lvmOn(dev, 'lvcreate', '-q', '-an', '-Zn', '-L', '8M', '-n', 'etc', '3os');
    await lvmOn(dev, 'lvcreate', '-q', '-an', '-Zn', '-L', '8M', '-n', 'home', '3os');
    await lvmOn(dev, 'lvcreate', '-q', '-an', '-Zn', '-L', '32M', '-n', 'containers', '3os');
  } finally {
    await detachLoop(dev);
  }
  // ext4 on containers: PE start 1 MiB, extents of 4 MiB; containers starts after etc+home (16 MiB).
  const lvStart = parts.data.start + 1 * MiB + 16 * MiB;
  const fs = await attachLoop(path, { offset: lvStart, sizeLimit: 32 * MiB });
  try {
    await shOk('mkfs.ext4', ['-q', '-F', '-L', 'containers', fs]);
  } finally {
    await detachLoop(fs);
  }
  return { path, size, parts };
}
