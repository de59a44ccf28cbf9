// Reading real PVs made by the LVM tools: label/mda headers re-encode to LVM's bytes, the label
// may sit in another sector, and copies LVM wrapped around the end of a small ring read back.
import { describe, expect, it } from 'vitest';
import { encodeLabel } from '../../../provisioning/lvm/label.js';
import { encodeMdaHeader } from '../../../provisioning/lvm/mda.js';
import { readPhysicalVolume } from '../../../provisioning/lvm/read-pv.js';
import { lvByteRange } from '../../../provisioning/lvm/lv-range.js';
import { lvmScratch } from './lvm-fixture.js';

const { disk, open } = lvmScratch('lvm-read-');

describe('readPhysicalVolume on PVs made by LVM', () => {
  it('decodes label, headers and VG; re-encoding gives LVM\'s bytes; LV ranges match lvs', async () => {
    const d = await disk();
    await d.lvm('pvcreate', '--labelsector', '2', '--pvmetadatacopies', '2', d.dev);
    await d.lvm('vgcreate', '3os', d.dev);
    await d.lvm('lvcreate', '-an', '-Zn', '-n', 'etc', '-L', '8M', '3os');
    await d.lvm('lvcreate', '-an', '-Zn', '-n', 'data', '-L', '12M', '3os');
    const io = await open(d);
    const pv = await readPhysicalVolume(io, 0, io.size);
    expect(pv.label.sector).toBe(2);
    expect(encodeLabel(pv.label).equals(await io.read(2 * 512, 512))).toBe(true);
    for (const m of pv.mdas) expect(encodeMdaHeader(m.header).equals(await io.read(m.locn.offset, 512))).toBe(true);
    expect(pv.mdas.length).toBe(2);
    expect(pv.inconsistent).toBe(false);

    const seqno = Number((await d.lvm('vgs', '--noheadings', '-o', 'vg_seqno', '3os')).trim());
    expect(pv.vg.seqno).toBe(seqno);
    const pvUuid = (await d.lvm('pvs', '--noheadings', '-o', 'pv_uuid', d.dev)).trim();
    expect(pv.vg.pv.id).toBe(pvUuid);
    const peCount = Number((await d.lvm('pvs', '--noheadings', '-o', 'pv_pe_count', d.dev)).trim());
    expect(pv.vg.pv.peCount).toBe(peCount);
    const peStart = Number((await d.lvm('pvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'pe_start', d.dev)).trim());
    const ranges = (await d.lvm('lvs', '--noheadings', '-o', 'seg_pe_ranges', '3os/data')).trim();
    const m = /:(\d+)-(\d+)$/.exec(ranges);
    const [first, last] = [Number(m?.[1]), Number(m?.[2])];
    const extent = pv.vg.extentSize * 512;
    expect(lvByteRange(pv, 'data')).toEqual([{ start: peStart + first * extent, length: (last - first + 1) * extent }]);
  });

  it('reads a copy that LVM wrapped around the end of a small metadata ring', async () => {
    const d = await disk();
    await d.lvm('pvcreate', '--metadatasize', '32k', '--dataalignment', '64k', d.dev);
    await d.lvm('vgcreate', '3os', d.dev);
    await d.lvm('lvcreate', '-an', '-Zn', '-n', 'data', '-L', '8M', '3os');
    const io = await open(d);
    let wrapped = false;
    for (let i = 0; i < 120 && !wrapped; i++) {
      await d.lvm('vgchange', '--addtag', `t${i}_${'y'.repeat(i % 7 * 40)}`, '3os');
      const pv = await readPhysicalVolume(io, 0, io.size);
      const m = pv.mdas[0];
      if (m === undefined) throw new Error('no mda');
      const seqno = Number((await d.lvm('vgs', '--noheadings', '-o', 'vg_seqno', '3os')).trim());
      expect(pv.vg.seqno).toBe(seqno);
      wrapped = m.header.slot0.offset + m.header.slot0.size > m.header.size;
      if (wrapped) {
        const dump = await d.lvm('pvck', '--dump', 'metadata', d.dev);
        expect(dump).toContain(pv.text.slice(0, pv.text.indexOf('# Generated')));
      }
    }
    expect(wrapped).toBe(true);
  });
});
