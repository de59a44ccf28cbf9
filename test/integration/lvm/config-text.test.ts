// The LVM config-text writer on text LVM itself wrote (real tools on a loop device; the grammar cases
// are in test/unit/provisioning/lvm/config-text.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import { openDisk } from '../../../flasher/disk-io.js';
import { writeConfigNodes } from '../../../provisioning/lvm/config-text.js';
import { readPhysicalVolume } from '../../../provisioning/lvm/read-pv.js';
import { LoopDisk, tempDir } from './lvm-fixture.js';

describe('round trip of real LVM metadata', () => {
  let dir = '';
  afterEach(async () => {
    if (dir !== '') await fsp.rm(dir, { recursive: true, force: true });
  });

  it('re-serializes the VG section LVM wrote byte for byte', async () => {
    dir = await tempDir('lvm-text-');
    const d = await LoopDisk.create(dir, 'pv.img', 64 * 1024 * 1024);
    try {
      await d.lvm('pvcreate', d.dev);
      await d.lvm('vgcreate', '--addtag', 'tag_one', '3os', d.dev);
      await d.lvm('lvcreate', '-an', '-Zn', '-n', 'etc', '-L', '8M', '--addtag', 'x', '3os');
      await d.lvm('lvcreate', '-an', '-Zn', '-n', 'home', '-L', '8M', '3os');
      await d.lvm('lvcreate', '-an', '-Zn', '-n', 'containers', '-L', '8M', '3os');
      await d.lvm('lvextend', '-L', '16M', '3os/etc');
      const io = await openDisk(d.dev);
      try {
        const pv = await readPhysicalVolume(io, 0, io.size);
        // The text as LVM itself reports it must be what we read.
        const dump = await d.lvm('pvck', '--dump', 'metadata', d.dev);
        expect(dump).toContain(pv.text.slice(0, pv.text.indexOf('# Generated')));
        const vgPart = pv.text.slice(0, pv.text.indexOf('# Generated'));
        expect(writeConfigNodes([pv.vg.section])).toBe(vgPart);
        expect(pv.vg.lvs.map((l) => [l.name, l.extents, l.segments.length])).toEqual([
          ['etc', 4, 2],
          ['home', 2, 1],
          ['containers', 2, 1],
        ]);
      } finally {
        await io.close();
      }
    } finally {
      await d.detach();
    }
  });
});
