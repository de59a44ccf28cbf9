// Integration: our offline grow vs the real pvresize + lvextend/lvcreate on loop devices.
// Two copies of the same grown image: LVM edits one, we edit the other; the LVM tools must
// then report identical PVs, VGs and LVs, vgck must pass on ours, and LVM must be able to
// keep writing on top of our metadata.
import { afterEach, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { openDisk, type DiskIO } from '../../flasher/disk-io.js';
import { growVolumeGroup, readPhysicalVolume, lvByteRange, offlineResizeExt4, type StoragePolicy } from '../../provisioning/lvm/index.js';
import { attachLoop, detachLoop } from '../../testkit/loop.js';
import { shOk } from '../../testkit/sh.js';
import { LoopDisk, tempDir } from './lvm/lvm-fixture.js';

const MiB = 1024 * 1024;
let dir = '';
const disks: LoopDisk[] = [];
const opened: DiskIO[] = [];

afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
  for (const d of disks.splice(0)) await d.detach();
  if (dir !== '') await fsp.rm(dir, { recursive: true, force: true });
  dir = '';
});

async function newDisk(name: string, size: number): Promise<LoopDisk> {
  if (dir === '') dir = await tempDir('lvm-grow-');
  const d = await LoopDisk.create(dir, name, size);
  disks.push(d);
  return d;
}

async function copyDisk(src: LoopDisk, name: string): Promise<LoopDisk> {
  const file = join(dir, name);
  await fsp.copyFile(src.file, file);
  const d = await LoopDisk.attach(file);
  disks.push(d);
  return d;
}

async function open(d: LoopDisk): Promise<DiskIO> {
  const io = await openDisk(d.dev, { writable: true });
  opened.push(io);
  return io;
}

/** pvs/vgs/lvs in bytes, device names replaced, as one comparable string. */
async function report(d: LoopDisk, skipLvUuid: readonly string[] = []): Promise<string> {
  const common = ['--units', 'b', '--nosuffix', '--noheadings', '--separator', '|'];
  const pvs = await d.lvm('pvs', ...common, '-o', 'pv_uuid,pv_size,pv_free,pv_used,pv_pe_count,pv_pe_alloc_count,dev_size,pv_mda_count,pv_mda_size,pe_start');
  const vgs = await d.lvm('vgs', ...common, '-o', 'vg_name,vg_uuid,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,lv_count,pv_count');
  const lvs = await d.lvm('lvs', ...common, '-a', '-o', 'lv_name,lv_uuid,lv_size,seg_start,seg_size,seg_start_pe,seg_size_pe,seg_pe_ranges,segtype,stripes', '--sort', 'lv_name,seg_start');
  const lvLines = lvs
    .split('\n')
    .map((l) => (skipLvUuid.some((n) => l.trim().startsWith(`${n}|`)) ? l.replace(/\|[0-9A-Za-z-]{38}\|/, '|<new-uuid>|') : l));
  return [pvs, vgs, lvLines.join('\n')].join('\n---\n').split(d.dev).join('DEV');
}

/** VG section of the committed text, without what legitimately differs (seqno, device hint). */
async function vgSection(io: DiskIO, pvLength: number): Promise<string> {
  const pv = await readPhysicalVolume(io, 0, pvLength);
  const t = pv.text.slice(0, pv.text.indexOf('# Generated'));
  return t.replace(/^seqno = \d+$/m, 'seqno = N').replace(/^device = ".*"$/m, 'device = "DEV"');
}

async function makeBase(opts: { pvcreate?: string[]; vgcreate?: string[]; lvs?: [string, string][]; size?: number } = {}): Promise<LoopDisk> {
  const d = await newDisk('base.img', opts.size ?? 64 * MiB);
  await d.lvm('pvcreate', ...(opts.pvcreate ?? []), d.dev);
  await d.lvm('vgcreate', ...(opts.vgcreate ?? []), '3os', d.dev);
  for (const [name, size] of opts.lvs ?? [['etc', '8M'], ['home', '8M'], ['containers', '16M']]) {
    await d.lvm('lvcreate', '-an', '-Zn', '-n', name, '-L', size, '3os');
  }
  return d;
}

describe('growVolumeGroup against pvresize + lvextend', () => {
  it('default policy: same PV/VG/LV report as pvresize + lvextend -l +100%FREE, vgck clean, LVM writes on top, ext4 grows offline', async () => {
    const base = await makeBase();
    const before = await readPhysicalVolume(await open(base), 0, 64 * MiB);
    const [cont] = lvByteRange(before, 'containers');
    expect(cont).toBeDefined();
    if (cont === undefined) return;
    // mkfs.ext4 on the last LV's byte range, through its own loop device.
    const fsLoop = await attachLoop(base.dev, { offset: cont.start, sizeLimit: cont.length });
    await shOk('mkfs.ext4', ['-q', '-F', fsLoop]);
    await detachLoop(fsLoop);
    for (const d of opened.splice(0)) await d.close();
    await base.detach();
    await fsp.truncate(base.file, 512 * MiB);

    const ours = await copyDisk(base, 'ours.img');
    const theirs = await copyDisk(base, 'theirs.img');
    await theirs.lvm('pvresize', theirs.dev);
    await theirs.lvm('lvextend', '-l', '+100%FREE', '3os/containers');

    const io = await open(ours);
    const res = await growVolumeGroup(io, 0, io.size, { now: new Date(1_800_000_000_000), hostname: 'flasher-test' });
    expect(res.changed).toBe(true);
    expect(res.growFilesystems).toEqual(['containers']);
    expect(res.pv.peCountAfter).toBe(Math.floor((512 * MiB - MiB) / (4 * MiB)));
    expect(res.pv.freeExtentsAfter).toBe(0);

    expect(await report(ours)).toBe(await report(theirs));
    expect(await vgSection(io, io.size)).toBe(await vgSection(await open(theirs), 512 * MiB));
    await ours.lvm('vgck', '3os');
    const headers = await ours.lvmRaw('pvck', '--dump', 'headers', ours.dev);
    expect(headers.code, headers.stdout + headers.stderr).toBe(0);
    expect(headers.stdout + headers.stderr).not.toMatch(/CHECK:|invalid|mismatch/);

    // Running again is a no-op.
    const again = await growVolumeGroup(io, 0, io.size);
    expect(again.changed).toBe(false);
    expect(again.seqnoAfter).toBe(again.seqnoBefore);

    // LVM can write after us, and we can read what it wrote.
    await ours.lvm('vgchange', '--addtag', 'after_flasher', '3os');
    await ours.lvm('vgck', '3os');
    const reread = await readPhysicalVolume(io, 0, io.size);
    expect(reread.vg.seqno).toBe(res.seqnoAfter + 1);
    expect(reread.text).toContain('after_flasher');

    // Offline ext4 grow over the LV range; e2fsck must be clean and the fs must fill the LV.
    const [range, ...rest] = lvByteRange(reread, 'containers');
    expect(rest).toEqual([]);
    if (range === undefined) return;
    expect(range.length).toBe(res.volumes.find((v) => v.name === 'containers')?.bytesAfter);
    expect(await offlineResizeExt4(ours.dev, range.start, range.length)).toBe('resized');
    const chk = await attachLoop(ours.dev, { readOnly: true, offset: range.start, sizeLimit: range.length });
    try {
      await shOk('e2fsck', ['-fn', chk]);
      const sb = await shOk('dumpe2fs', ['-h', chk]);
      const blocks = Number(/Block count:\s+(\d+)/.exec(sb)?.[1]);
      const bsize = Number(/Block size:\s+(\d+)/.exec(sb)?.[1]);
      expect(blocks * bsize).toBe(range.length);
    } finally {
      await detachLoop(chk);
    }
    const [etc] = lvByteRange(reread, 'etc');
    if (etc !== undefined) expect(await offlineResizeExt4(ours.dev, etc.start, etc.length)).toBe('not-ext4');
  });

  it('two metadata areas (--pvmetadatacopies 2): mda2 moves to the new end like pvresize', async () => {
    const base = await makeBase({ pvcreate: ['--pvmetadatacopies', '2'] });
    await base.detach();
    await fsp.truncate(base.file, 256 * MiB);
    const ours = await copyDisk(base, 'ours.img');
    const theirs = await copyDisk(base, 'theirs.img');
    await theirs.lvm('pvresize', theirs.dev);
    await theirs.lvm('lvextend', '-l', '+100%FREE', '3os/containers');
    const io = await open(ours);
    const res = await growVolumeGroup(io, 0, io.size);
    expect(res.changed).toBe(true);
    expect(await report(ours)).toBe(await report(theirs));
    expect(await vgSection(io, io.size)).toBe(await vgSection(await open(theirs), 256 * MiB));
    await ours.lvm('vgck', '3os');
    const pv = await readPhysicalVolume(io, 0, io.size);
    expect(pv.mdas.map((m) => m.locn.offset)).toEqual([4096, 256 * MiB - MiB]);
    expect(pv.label.deviceSize).toBe((256 * MiB - MiB - MiB));
    await ours.lvm('vgchange', '--addtag', 'x', '3os');
    await ours.lvm('vgck', '3os');
    expect((await readPhysicalVolume(io, 0, io.size)).mdas.every((m) => m.text !== undefined)).toBe(true);
  });

  it('fragmented free space: the same segments as lvextend (adjacent run first, then largest)', async () => {
    const base = await makeBase({ lvs: [['a', '8M'], ['b', '8M'], ['c', '4M'], ['d', '8M'], ['e', '4M']] });
    await base.lvm('lvremove', '-y', '3os/b');
    await base.lvm('lvremove', '-y', '3os/d');
    await base.detach();
    await fsp.truncate(base.file, 96 * MiB);
    const ours = await copyDisk(base, 'ours.img');
    const theirs = await copyDisk(base, 'theirs.img');
    await theirs.lvm('pvresize', theirs.dev);
    await theirs.lvm('lvextend', '-l', '+100%FREE', '3os/a');
    const io = await open(ours);
    await growVolumeGroup(io, 0, io.size, { policy: { volumes: [{ name: 'a', size: '100%FREE' }] } });
    expect(await report(ours)).toBe(await report(theirs));
    expect(await vgSection(io, io.size)).toBe(await vgSection(await open(theirs), 96 * MiB));
    await ours.lvm('vgck', '3os');
  });

  it('a policy with sizes, a percentage and a new LV matches lvextend -L / lvcreate -L / lvextend -l +N%FREE', async () => {
    const base = await makeBase();
    await base.detach();
    await fsp.truncate(base.file, 512 * MiB);
    const ours = await copyDisk(base, 'ours.img');
    const theirs = await copyDisk(base, 'theirs.img');
    await theirs.lvm('pvresize', theirs.dev);
    await theirs.lvm('lvextend', '-L', '66M', '3os/home');
    await theirs.lvm('lvcreate', '-an', '-Zn', '-n', 'logs', '-L', '32M', '3os');
    await theirs.lvm('lvextend', '-l', '+60%FREE', '3os/containers');
    await theirs.lvm('lvcreate', '-an', '-Zn', '-n', 'scratch', '-l', '25%FREE', '3os');
    const policy: StoragePolicy = {
      volumes: [
        { name: 'containers', size: '60%FREE' },
        { name: 'home', size: '66M' },
        { name: 'logs', size: '32M', create: true, filesystem: 'ext4', mountpoint: '/var/log' },
      ],
    };
    const io = await open(ours);
    // 'scratch' takes 25% of what is left after containers' 60%: in our single-base semantics that is 10% of the base.
    const pv0 = await readPhysicalVolume(io, 0, io.size);
    expect(pv0.vg.lvs.map((l) => l.name)).toEqual(['etc', 'home', 'containers']);
    const res = await growVolumeGroup(io, 0, io.size, {
      policy: { volumes: [...policy.volumes, { name: 'scratch', size: '10%FREE', create: true }] },
    });
    expect(res.createdVolumes.map((c) => [c.name, c.filesystem, c.mountpoint])).toEqual([
      ['logs', 'ext4', '/var/log'],
      ['scratch', undefined, undefined],
    ]);
    expect([...res.growFilesystems].sort()).toEqual(['containers', 'home']);
    expect(await report(ours, ['logs', 'scratch'])).toBe(await report(theirs, ['logs', 'scratch']));
    await ours.lvm('vgck', '3os');
    const pv = await readPhysicalVolume(io, 0, io.size);
    const logs = pv.vg.lvs.find((l) => l.name === 'logs');
    expect(logs?.id).toMatch(/^[0-9a-zA-Z]{6}(-[0-9a-zA-Z]{4}){5}-[0-9a-zA-Z]{6}$/);
    // Refusals leave the disk untouched: shrinking, and asking for more than is free.
    const metaArea = async (): Promise<Buffer> => io.read(0, MiB); // label + the only mda
    const snapshot = await metaArea();
    await expect(growVolumeGroup(io, 0, io.size, { policy: { volumes: [{ name: 'home', size: '8M' }] } })).rejects.toMatchObject({ code: 'E_CONFIG_INVALID' });
    await expect(growVolumeGroup(io, 0, io.size, { policy: { volumes: [{ name: 'home', size: '1T' }] } })).rejects.toMatchObject({ code: 'E_GROW' });
    expect((await metaArea()).equals(snapshot)).toBe(true);
  });

  it('our writer wraps around a small metadata ring, and LVM reads every version', async () => {
    const base = await makeBase({ pvcreate: ['--metadatasize', '32k', '--dataalignment', '64k'], vgcreate: ['-s', '1M'], lvs: [['data', '1M']], size: 128 * MiB });
    // A VG tag makes each copy 3 sectors long, so that one copy straddles the end of the ring.
    await base.lvm('vgchange', '--addtag', `pad${'x'.repeat(300)}`, '3os');
    const io = await open(base);
    const mdaSize = (await readPhysicalVolume(io, 0, io.size)).mdas[0]?.header.size ?? 0;
    expect(mdaSize).toBeLessThan(128 * 1024);
    let wrapped = false;
    const extentBytes = (await readPhysicalVolume(io, 0, io.size)).vg.extentSize * 512;
    for (let i = 2; i < 80 && !wrapped; i++) {
      const res = await growVolumeGroup(io, 0, io.size, { policy: { volumes: [{ name: 'data', size: `${(i * extentBytes) / 1024}K` }] } });
      expect(res.changed).toBe(true);
      const slot = (await readPhysicalVolume(io, 0, io.size)).mdas[0]?.header.slot0;
      if (slot !== undefined && slot.offset + slot.size > mdaSize) wrapped = true;
    }
    expect(wrapped).toBe(true);
    await base.lvm('vgck', '3os');
    const seq = (await base.lvm('vgs', '--noheadings', '-o', 'vg_seqno', '3os')).trim();
    expect(Number(seq)).toBe((await readPhysicalVolume(io, 0, io.size)).vg.seqno);
    await base.lvm('vgchange', '--addtag', 'lvm_after_wrap', '3os');
    expect((await readPhysicalVolume(io, 0, io.size)).text).toContain('lvm_after_wrap');
  });
});
