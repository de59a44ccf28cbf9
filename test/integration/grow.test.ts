/**
 * Flash + grow end to end through the CLI, judged by the real tools: a 3os image made with
 * sgdisk/mkfs.fat/LVM is written to a larger loop device; afterwards sgdisk -v, vgck, pvs/lvs and
 * e2fsck must agree with what sgdisk -e + sfdisk + pvresize + lvextend give on a copy.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, rm, truncate, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachLoop, detachAll, detachLoop } from '../../testkit/loop.js';
import { runCli } from '../../testkit/cli.js';
import { sh, shOk } from '../../testkit/sh.js';
import { lvmOn } from '../../testkit/lvm.js';
import { build3osImage, type Built3os } from '../../testkit/threeos-image.js';
import { ERROR_CODES } from '../../flasher/errors.js';

const MiB = 1024 * 1024;
const TARGET = 1024 * MiB;
let dir: string;
let img: Built3os;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), '3os-grow-'));
  img = await build3osImage(dir);
});
afterEach(detachAll);
afterAll(async () => {
  await detachAll();
  await rm(dir, { recursive: true, force: true });
});

/** pvs/lvs facts of the VG on a disk whose data partition starts at `start`. */
async function lvmFacts(disk: string, start: number, size: number): Promise<{ pvs: string; lvs: string }> {
  const dev = await attachLoop(disk, { offset: start, sizeLimit: size });
  try {
    await lvmOn(dev, 'vgck', '3os');
    const pvs = await lvmOn(dev, 'pvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'pv_size,dev_size,pv_pe_count,pv_pe_alloc_count,pv_free,vg_name');
    const lvs = await lvmOn(dev, 'lvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'lv_name,lv_size,seg_start_pe,seg_size_pe', '--sort', 'lv_name');
    return { pvs: pvs.trim().replace(/\s+/g, ' '), lvs: lvs.trim().replace(/\s+/g, ' ') };
  } finally {
    await detachLoop(dev);
  }
}

async function dataPartitionOf(disk: string): Promise<{ start: number; size: number }> {
  const j = JSON.parse(await shOk('sfdisk', ['-J', disk])) as { partitiontable: { sectorsize?: number; partitions: { start: number; size: number; name?: string }[] } };
  const ss = j.partitiontable.sectorsize ?? 512;
  const p = j.partitiontable.partitions.find((x) => x.name === '3os-data');
  if (p === undefined) throw new Error('no 3os-data partition');
  return { start: p.start * ss, size: p.size * ss };
}

describe('write + grow (GPT, 512-byte sectors)', () => {
  it('grows the data volume to fill the disk exactly as the real tools would', async () => {
    // Reference: the real tools on a copy.
    const ref = join(dir, 'ref.img');
    await copyFile(img.path, ref);
    await truncate(ref, TARGET);
    await shOk('sgdisk', ['-e', ref]);
    await shOk('bash', ['-c', `echo ', +' | sfdisk -q -N 5 --no-reread ${ref}`]);
    const refData = await dataPartitionOf(ref);
    const refDev = await attachLoop(ref, { offset: refData.start, sizeLimit: refData.size });
    await lvmOn(refDev, 'pvresize', '-q', refDev);
    await lvmOn(refDev, 'lvextend', '-q', '-l', '+100%FREE', '3os/containers');
    await detachLoop(refDev);
    const want = await lvmFacts(ref, refData.start, refData.size);

    // Ours: flash with the CLI to a 1 GiB loop device; grow runs by default.
    const backing = join(dir, 'target.bin');
    await shOk('truncate', ['-s', String(TARGET), backing]);
    const dev = await attachLoop(backing);
    const r = await runCli(['write', img.path, '--to', dev, '--yes', '--json']);
    expect(r.code, r.out + r.err).toBe(0);
    const summary = JSON.parse(r.out.trim().split('\n').at(-1) ?? '{}') as { results: { grown?: { diskSize: number; dataBytes: number } }[] };
    expect(summary.results[0]?.grown?.diskSize).toBe(TARGET);

    const v = await shOk('sgdisk', ['-v', dev]);
    expect(v).toContain('No problems found');
    const ours = await dataPartitionOf(dev);
    expect(ours).toEqual(refData);
    expect(summary.results[0]?.grown?.dataBytes).toBe(refData.size);
    await detachLoop(dev);
    const got = await lvmFacts(backing, ours.start, ours.size);
    expect(got).toEqual(want);

    // The containers filesystem was grown offline and is clean, its size the LV's.
    const lvStart = ours.start + 1 * MiB + 16 * MiB;
    const lvSize = Number(/containers (\d+)/.exec(got.lvs)?.[1]);
    const fsDev = await attachLoop(backing, { offset: lvStart, sizeLimit: lvSize });
    const fsck = await sh('e2fsck', ['-fn', fsDev]);
    expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
    const dump = await shOk('dumpe2fs', ['-h', fsDev], {});
    const blocks = Number(/Block count:\s+(\d+)/.exec(dump)?.[1]);
    const bsize = Number(/Block size:\s+(\d+)/.exec(dump)?.[1]);
    expect(blocks * bsize).toBe(lvSize);
    await detachLoop(fsDev);

    // The growth is recorded for the first-boot agent.
    const rec = JSON.parse(await shOk('mtype', ['-i', `${backing}@@${img.parts.config.start}`, '::/3os/grow.json'])) as { grow: { lv: string; offline: string }[] };
    expect(rec.grow).toEqual([{ lv: 'containers', offline: 'resized' }]);

    // Growing again is a no-op.
    const again = await runCli(['grow', backing, '--json']);
    expect(again.code, again.err).toBe(0);
    expect((JSON.parse(again.out) as { changed: boolean }).changed).toBe(false);
  });

  it('--dry-run prints the plan and writes nothing; --no-grow leaves the image as written', async () => {
    const f = join(dir, 'dry.img');
    await copyFile(img.path, f);
    await truncate(f, TARGET);
    const before = createHash('sha256').update(await readFile(f)).digest('hex');
    const r = await runCli(['grow', f, '--dry-run']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/3os\/containers/);
    expect(r.out).toMatch(/dry run/);
    expect(createHash('sha256').update(await readFile(f)).digest('hex')).toBe(before);

    const t = join(dir, 'nogrow.img');
    await shOk('truncate', ['-s', String(TARGET), t]);
    expect((await runCli(['write', img.path, '--to', t, '--no-grow'])).code).toBe(0);
    const p = await dataPartitionOf(t);
    expect(p.size).toBe(img.parts.data.size);
  });

  it('a storage policy sets sizes, percentages and new LVs', async () => {
    const t = join(dir, 'policy.img');
    await shOk('truncate', ['-s', String(TARGET), t]);
    const policy = join(dir, 'policy.yaml');
    await shOk('bash', ['-c', `printf 'storage:\\n  volumes:\\n    - name: home\\n      size: 100M\\n    - name: logs\\n      size: 64M\\n      create: true\\n      filesystem: ext4\\n      mountpoint: /var/log\\n    - name: containers\\n      size: 100%%FREE\\n' > ${policy}`]);
    const r = await runCli(['write', img.path, '--to', t, '--policy', policy, '--yes']);
    expect(r.code, r.err).toBe(0);
    const p = await dataPartitionOf(t);
    const facts = await lvmFacts(t, p.start, p.size);
    expect(facts.lvs).toMatch(/home 104857600/);
    expect(facts.lvs).toMatch(/logs 67108864/);
    expect(facts.pvs).toMatch(/ 0 3os$/); // no free space left
  });

  it('refuses a VG it does not understand and leaves the disk untouched', async () => {
    const f = join(dir, 'twopv.img');
    await copyFile(img.path, f);
    await truncate(f, TARGET);
    // Rename the VG: not the standard one.
    const dev = await attachLoop(f, { offset: img.parts.data.start, sizeLimit: img.parts.data.size });
    await lvmOn(dev, 'vgrename', '-q', '3os', 'other');
    await detachLoop(dev);
    const before = createHash('sha256').update(await readFile(f)).digest('hex');
    const r = await runCli(['grow', f]);
    expect(r.code).toBe(ERROR_CODES.E_LVM_UNSUPPORTED);
    expect(r.err).toMatch(/other/);
    expect(createHash('sha256').update(await readFile(f)).digest('hex')).toBe(before);
  });
});
