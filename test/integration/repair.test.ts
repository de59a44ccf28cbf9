// Repair on real 3os layouts (sgdisk, mkfs.fat, LVM tools build them): the OS partitions are
// copied from the image, the data partition and the config stay byte-for-byte, image.json is
// replaced; a disk that is not 3os is refused before anything is written.
import { createHash } from 'node:crypto';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDisk } from '../../flasher/disk-io.js';
import { repairFromDisk } from '../../provisioning/repair/repair-disk.js';
import { detachAll } from '../../testkit/loop.js';
import { shOk } from '../../testkit/sh.js';
import { build3osImage, type Built3os } from '../../testkit/threeos-image.js';

let dir = '';
let image: Built3os;
let target: Built3os;

async function range(file: string, start: number, size: number): Promise<string> {
  const buf = await readFile(file);
  return createHash('sha256').update(buf.subarray(start, start + size)).digest('hex');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), '3os-repair-'));
  image = await build3osImage(dir, 'image.img');
  target = await build3osImage(dir, 'target.img');
  // the image carries new roots and a newer image.json; the target has its own config
  for (const p of [image.parts.rootA, image.parts.rootB]) {
    await shOk('dd', ['if=/dev/urandom', `of=${image.path}`, 'bs=1M', `seek=${p.start / 1048576}`, `count=${p.size / 1048576}`, 'conv=notrunc', 'status=none']);
  }
  await writeFile(join(dir, 'image.json'), '{"flavor":"debian","version":"9.9.9"}\n');
  await shOk('mcopy', ['-o', '-i', `${image.path}@@${image.parts.config.start}`, join(dir, 'image.json'), '::/3os/image.json']);
  await writeFile(join(dir, 'config.yaml'), 'version: 1\nhostname: kept\n');
  await shOk('mcopy', ['-i', `${target.path}@@${target.parts.config.start}`, join(dir, 'config.yaml'), '::/3os/config.yaml']);
});
afterAll(async () => {
  await detachAll();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('repair', () => {
  it('rewrites boot and both roots from the image and keeps data and config', async () => {
    const dataBefore = await range(target.path, target.parts.data.start, target.parts.data.size);
    const src = await openDisk(image.path, { writable: false });
    const dst = await openDisk(target.path, { writable: true });
    try {
      const r = await repairFromDisk(src, dst);
      expect(r.partitions.map((p) => p.name)).toEqual(['3os-boot', '3os-root-a', '3os-root-b']);
      expect(r.imageJsonUpdated).toBe(true);
    } finally {
      await src.close();
      await dst.close();
    }
    for (const k of ['boot', 'rootA', 'rootB'] as const) {
      expect(await range(target.path, target.parts[k].start, target.parts[k].size)).toBe(await range(image.path, image.parts[k].start, image.parts[k].size));
    }
    expect(await range(target.path, target.parts.data.start, target.parts.data.size)).toBe(dataBefore);
    const cfg = `${target.path}@@${target.parts.config.start}`;
    expect(await shOk('mtype', ['-i', cfg, '::/3os/config.yaml'])).toContain('hostname: kept');
    expect(await shOk('mtype', ['-i', cfg, '::/3os/image.json'])).toContain('9.9.9');
    expect(await shOk('sgdisk', ['-v', target.path])).toContain('No problems found');
  });

  it('refuses a disk that is not 3os, before writing', async () => {
    const blank = join(dir, 'blank.img');
    await shOk('truncate', ['-s', '160M', blank]);
    await shOk('sgdisk', ['-o', '-n', '1:0:0', '-c', '1:other', blank]);
    const before = await range(blank, 0, 160 * 1048576);
    const src = await openDisk(image.path, { writable: false });
    const dst = await openDisk(blank, { writable: true });
    try {
      await expect(repairFromDisk(src, dst)).rejects.toMatchObject({ code: 'E_NOT_3OS' });
    } finally {
      await src.close();
      await dst.close();
    }
    expect(await range(blank, 0, 160 * 1048576)).toBe(before);
  });
});
