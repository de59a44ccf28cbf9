/**
 * The grow step on the two other layouts of the standard, end to end through the CLI and judged
 * by the real tools: the MBR variant (p6 data inside the extended p4) and a GPT disk with
 * 4096-byte logical sectors. Each is compared with sfdisk/sgdisk + pvresize + lvextend on a copy.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachLoop, detachAll, detachLoop } from '../../testkit/loop.js';
import { runCli } from '../../testkit/cli.js';
import { shOk } from '../../testkit/sh.js';
import { lvmOn } from '../../testkit/lvm.js';
import { TYPES } from '../../testkit/threeos-image.js';
import { ERROR_CODES } from '../../flasher/errors.js';

const MiB = 1024 * 1024;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), '3os-growv-'));
});
afterEach(detachAll);
afterAll(async () => {
  await detachAll();
  await rm(dir, { recursive: true, force: true });
});

interface Part {
  start: number;
  size: number;
}

async function sfdiskParts(disk: string): Promise<Part[]> {
  const j = JSON.parse(await shOk('sfdisk', ['-J', disk])) as { partitiontable: { sectorsize?: number; partitions: { start: number; size: number }[] } };
  const ss = j.partitiontable.sectorsize ?? 512;
  return j.partitiontable.partitions.map((p) => ({ start: p.start * ss, size: p.size * ss }));
}

/** A PV with VG 3os and LVs etc/home/containers on the byte range of `disk`. */
async function makeVg(disk: string, p: Part, sectorSize?: number): Promise<void> {
  const dev = await attachLoop(disk, { offset: p.start, sizeLimit: p.size, sectorSize });
  try {
    await lvmOn(dev, 'pvcreate', '-q', dev);
    await lvmOn(dev, 'vgcreate', '-q', '3os', dev);
    for (const [n, s] of [['etc', '8M'], ['home', '8M'], ['containers', '16M']]) await lvmOn(dev, 'lvcreate', '-q', '-an', '-Zn', '-L', s ?? '', '-n', n ?? '', '3os');
  } finally {
    await detachLoop(dev);
  }
}

async function lvFacts(disk: string, p: Part, sectorSize?: number): Promise<string> {
  const dev = await attachLoop(disk, { offset: p.start, sizeLimit: p.size, sectorSize });
  try {
    await lvmOn(dev, 'vgck', '3os');
    const pvs = await lvmOn(dev, 'pvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'pv_size,pv_pe_count,pv_free');
    const lvs = await lvmOn(dev, 'lvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'lv_name,lv_size,seg_start_pe,seg_size_pe', '--sort', 'lv_name');
    return `${pvs}\n${lvs}`.replace(/[ \t]+/g, ' ').trim();
  } finally {
    await detachLoop(dev);
  }
}

async function referenceLvm(disk: string, p: Part, sectorSize?: number): Promise<void> {
  const dev = await attachLoop(disk, { offset: p.start, sizeLimit: p.size, sectorSize });
  try {
    await lvmOn(dev, 'pvresize', '-q', dev);
    await lvmOn(dev, 'lvextend', '-q', '-l', '+100%FREE', '3os/containers');
  } finally {
    await detachLoop(dev);
  }
}

describe('grow: MBR variant', () => {
  it('grows p6 and its extended container like sfdisk, and the VG like pvresize + lvextend', async () => {
    const img = join(dir, 'mbr.img');
    await shOk('truncate', ['-s', String(128 * MiB), img]);
    await shOk('bash', ['-c', `printf 'label: dos\\n1 : start=2048, size=16M, type=c\\n2 : size=8M, type=c\\n3 : size=16M, type=83\\n4 : type=f\\n5 : size=16M, type=83\\n6 : type=8e\\n' | sfdisk -q ${img}`]);
    const parts = await sfdiskParts(img);
    const cfg = parts[1];
    const data = parts[5];
    if (cfg === undefined || data === undefined) throw new Error('layout not made');
    await shOk('mkfs.fat', ['-F', '16', '-s', '1', '-n', '3OS-CONFIG', '--offset', String(cfg.start / 512), img, String(cfg.size / 1024)]);
    await makeVg(img, data);

    const size = 512 * MiB;
    const ref = join(dir, 'mbr-ref.img');
    await copyFile(img, ref);
    await truncate(ref, size);
    await shOk('bash', ['-c', `echo ', +' | sfdisk -q -N 4 --no-reread ${ref} && echo ', +' | sfdisk -q -N 6 --no-reread ${ref}`]);
    const refData = (await sfdiskParts(ref))[5];
    if (refData === undefined) throw new Error('reference layout');
    await referenceLvm(ref, refData);

    const target = join(dir, 'mbr-target.bin');
    await shOk('truncate', ['-s', String(size), target]);
    const dev = await attachLoop(target);
    const r = await runCli(['write', img, '--to', dev, '--yes']);
    expect(r.code, r.err).toBe(0);
    expect(await shOk('sfdisk', ['--verify', dev])).toContain('No errors detected');
    const dump = async (d: string): Promise<string> => (await shOk('sfdisk', ['-d', d])).replace(/^device:.*$/m, '').replace(/^\S+ :/gm, ':');
    expect(await dump(dev)).toBe(await dump(ref));
    await detachLoop(dev);
    const ours = (await sfdiskParts(target))[5];
    expect(ours).toEqual(refData);
    expect(await lvFacts(target, refData)).toBe(await lvFacts(ref, refData));
  });
});

describe('grow: 4096-byte sectors', () => {
  it('grows a 4Kn GPT disk and its VG as the real tools do on the same disk', async () => {
    const img = join(dir, '4k.img');
    await shOk('truncate', ['-s', String(128 * MiB), img]);
    const mk = await attachLoop(img, { sectorSize: 4096 });
    await shOk('sgdisk', ['-o', '-n', '1:256:+16M', '-t', `1:${TYPES.esp}`, '-c', '1:3os-boot', '-n', '2:0:+32M', '-t', `2:${TYPES.basic}`, '-c', '2:3os-config', '-n', '3:0:+16M', '-t', `3:${TYPES.rootX64}`, '-c', '3:3os-root-a', '-n', '4:0:+16M', '-t', `4:${TYPES.rootX64}`, '-c', '4:3os-root-b', '-n', '5:0:0', '-t', `5:${TYPES.lvm}`, '-c', '5:3os-data', mk]);
    const parts = await sfdiskParts(mk);
    await detachLoop(mk);
    const cfg = parts[1];
    const data = parts[4];
    if (cfg === undefined || data === undefined) throw new Error('layout not made');
    const cfgDev = await attachLoop(img, { offset: cfg.start, sizeLimit: cfg.size, sectorSize: 4096 });
    await shOk('mkfs.fat', ['-F', '16', '-s', '1', '-n', '3OS-CONFIG', cfgDev]);
    await detachLoop(cfgDev);
    await makeVg(img, data, 4096);

    const size = 512 * MiB;
    const refFile = join(dir, '4k-ref.img');
    await copyFile(img, refFile);
    await truncate(refFile, size);
    const refDev = await attachLoop(refFile, { sectorSize: 4096 });
    await shOk('sgdisk', ['-e', refDev]);
    await shOk('bash', ['-c', `echo ', +' | sfdisk -q -N 5 --no-reread ${refDev}`]);
    const refData = (await sfdiskParts(refDev))[4];
    await detachLoop(refDev);
    if (refData === undefined) throw new Error('reference layout');
    await referenceLvm(refFile, refData, 4096);

    const target = join(dir, '4k-target.bin');
    await shOk('truncate', ['-s', String(size), target]);
    const dev = await attachLoop(target, { sectorSize: 4096 });
    const r = await runCli(['write', img, '--to', dev, '--yes']);
    expect(r.code, r.err).toBe(0);
    expect(await shOk('sgdisk', ['-v', dev])).toContain('No problems found');
    const ours = (await sfdiskParts(dev))[4];
    await detachLoop(dev);
    expect(ours).toEqual(refData);
    expect(await lvFacts(target, refData, 4096)).toBe(await lvFacts(refFile, refData, 4096));
    // A 512-byte image on a 4096-byte target is refused, never converted.
    const gpt512 = join(dir, '512.img');
    await shOk('truncate', ['-s', String(64 * MiB), gpt512]);
    await shOk('sgdisk', ['-o', '-n', '1:2048:0', '-t', `1:${TYPES.lvm}`, '-c', '1:3os-data', gpt512]);
    const dev2 = await attachLoop(target, { sectorSize: 4096 });
    const bad = await runCli(['write', gpt512, '--to', dev2, '--yes']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/built for 512-byte sectors/);
    expect(bad.code).toBe(ERROR_CODES.E_PARTITION_TABLE);
  });
});
