// Every VG we must not touch is refused with a clear code and reason, and the disk stays as it
// was. Shapes the tools here cannot make without device-mapper (thin, raid, mirror, snapshot...)
// are synthesized from real metadata text and stored on a real PV.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { growVolumeGroup, readPhysicalVolume } from '../../../provisioning/lvm/index.js';
import { writeMetadata } from '../../../provisioning/lvm/write-metadata.js';
import { lvmOn } from '../../../testkit/lvm.js';
import { lvmScratch, storeMetadataText, type LoopDisk } from './lvm-fixture.js';

const MiB = 1024 * 1024;
const { disk, open, close } = lvmScratch('lvm-refuse-', { writable: true });

async function standardVg(d: LoopDisk, vg = '3os', pvcreate: string[] = []): Promise<void> {
  await d.lvm('pvcreate', ...pvcreate, d.dev);
  await d.lvm('vgcreate', vg, d.dev);
  await d.lvm('lvcreate', '-an', '-Zn', '-n', 'etc', '-L', '8M', vg);
  await d.lvm('lvcreate', '-an', '-Zn', '-n', 'containers', '-L', '8M', vg);
}

async function digest(file: string): Promise<string> {
  return createHash('sha256').update(await fsp.readFile(file)).digest('hex');
}

/** Grow the image, then expect growVolumeGroup to refuse with `code` / `reason` and leave it untouched. */
async function expectRefusal(d: LoopDisk, code: string, reason: RegExp, opts: { vgName?: string } = {}): Promise<void> {
  await d.resize(128 * MiB);
  const before = await digest(d.file);
  const io = await open(d);
  const err: unknown = await growVolumeGroup(io, 0, io.size, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ code });
  expect((err as Error).message).toMatch(reason);
  expect(await digest(d.file)).toBe(before);
}

async function synthesize(d: LoopDisk, edit: (text: string) => string): Promise<void> {
  const io = await open(d);
  const pv = await readPhysicalVolume(io, 0, io.size);
  await storeMetadataText(io, edit(`${pv.text.replace(/^seqno = (\d+)$/m, (_, n: string) => `seqno = ${Number(n) + 1}`)}`));
  await close(io);
}

describe('growVolumeGroup refuses what it does not understand', () => {
  it('a VG with two PVs', async () => {
    const a = await disk('a.img');
    const b = await disk('b.img');
    await lvmOn([a.dev, b.dev], 'pvcreate', a.dev, b.dev);
    await lvmOn([a.dev, b.dev], 'vgcreate', '3os', a.dev, b.dev);
    await expectRefusal(a, 'E_LVM_UNSUPPORTED', /2 physical volumes/);
  });

  it('a VG with another name (unless asked for it)', async () => {
    const d = await disk();
    await standardVg(d, 'othervg');
    await expectRefusal(d, 'E_LVM_UNSUPPORTED', /"othervg", expected "3os"/);
    const io = await open(d);
    expect((await growVolumeGroup(io, 0, io.size, { vgName: 'othervg' })).changed).toBe(true);
  });

  it('an orphan PV (no VG)', async () => {
    const d = await disk();
    await d.lvm('pvcreate', d.dev);
    await expectRefusal(d, 'E_LVM_UNSUPPORTED', /not in a volume group/);
  });

  for (const type of ['thin-pool', 'thin', 'snapshot', 'raid1', 'mirror', 'cache', 'vdo']) {
    it(`an LV with a ${type} segment`, async () => {
      const d = await disk();
      await standardVg(d);
      await synthesize(d, (t) => t.replace(/(containers \{[\s\S]*?type = )"striped"/, `$1"${type}"`));
      await expectRefusal(d, 'E_LVM_UNSUPPORTED', new RegExp(`containers uses segment type "${type}"`));
    });
  }

  it('a striped LV with two stripes', async () => {
    const d = await disk();
    await standardVg(d);
    await synthesize(d, (t) => t.replace(/(containers \{[\s\S]*?stripe_count = )1/, '$12'));
    await expectRefusal(d, 'E_LVM_UNSUPPORTED', /striped over 2 stripes/);
  });

  it('an unknown text format version', async () => {
    const d = await disk();
    await standardVg(d);
    await synthesize(d, (t) => t.replace(/^version = 1$/m, 'version = 2'));
    await expectRefusal(d, 'E_LVM_UNSUPPORTED', /version is not 1/);
  });

  it('metadata text that does not parse', async () => {
    const d = await disk();
    await standardVg(d);
    await synthesize(d, (t) => t.replace('logical_volumes {', 'logical_volumes { = ['));
    await expectRefusal(d, 'E_LVM_CORRUPT', /LVM metadata text/);
  });

  it('two metadata areas that describe different VGs', async () => {
    const d = await disk();
    await standardVg(d, '3os', ['--pvmetadatacopies', '2']);
    const io = await open(d);
    const pv = await readPhysicalVolume(io, 0, io.size);
    const other = pv.text.replace(/^id = "[^"]+"/m, 'id = "AAAAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGGGG"').replace(/^seqno = (\d+)$/m, (_, n: string) => `seqno = ${Number(n) + 1}`);
    const mda2 = pv.mdas[1];
    if (mda2 === undefined) throw new Error('no mda2');
    await writeMetadata(io, { ...pv, mdas: [mda2] }, { text: Buffer.concat([Buffer.from(other, 'latin1'), Buffer.alloc(1)]), label: undefined });
    await expectRefusal(d, 'E_LVM_UNSUPPORTED', /two different volume groups/);
  });

  for (const [what, offset, reason] of [
    ['label', 512 + 100, /LVM label: checksum mismatch|no LVM2 label/],
    ['mda header', 4096 + 40, /header checksum mismatch/],
    ['metadata text', -1, /metadata text checksum mismatch/],
  ] as const) {
    it(`a corrupted ${what} checksum`, async () => {
      const d = await disk();
      await standardVg(d);
      const io = await open(d);
      const pv = await readPhysicalVolume(io, 0, io.size);
      const m = pv.mdas[0];
      if (m === undefined) throw new Error('no mda');
      const at = offset >= 0 ? offset : m.locn.offset + m.header.slot0.offset + 10;
      const b = await io.read(at, 1);
      await io.write(at, Buffer.from([(b[0] ?? 0) ^ 0x20]));
      await io.flush();
      await expectRefusal(d, 'E_LVM_CORRUPT', reason);
    });
  }
});
