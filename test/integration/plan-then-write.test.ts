/**
 * Plan everything, then write (issue 12 part 3), judged by the real tools.
 *
 * A 3os image made by sgdisk/mkfs.fat/LVM/mkfs.ext4 gets its config FAT damaged in the ways
 * fsck.fat knows (bad BPB, FAT copies that disagree, a chain that loops, an entry pointing
 * outside the volume, two files sharing clusters), or filled up. `grow`, `grow --dry-run`,
 * `seed` and `write` (grow + seed after the image) must refuse with the same code and problem
 * before writing: the disk file's sha256 is the same afterwards, so the partition table and the
 * LVM metadata are untouched too. A good disk still grows and seeds in one plan (sgdisk -v,
 * vgck/pvs/lvs, fsck.fat -n, mtype); a dirty FAT is checked, written and marked clean; an ext4
 * that e2fsck does not call clean is left alone for the device's first boot.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDisk } from '../../flasher/disk-io.js';
import { ERROR_CODES, isFlashError, type ErrorCode } from '../../flasher/errors.js';
import { parseBootSector } from '../../provisioning/fat/bpb.js';
import { planDisk } from '../../provisioning/grow/disk-plan.js';
import { runCli } from '../../testkit/cli.js';
import { attachLoop, detachLoop } from '../../testkit/loop.js';
import { lvmOn, lvmRun } from '../../testkit/lvm.js';
import { sh, shOk } from '../../testkit/sh.js';
import { build3osImage, type Built3os } from '../../testkit/threeos-image.js';

const MiB = 1024 * 1024;
const DISK = 256 * MiB;
let dir: string;
let img: Built3os;
let cfg: string;

const sha = async (p: string): Promise<string> => createHash('sha256').update(await readFile(p)).digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), '3os-plan-'));
  img = await build3osImage(dir);
  // A few files more on the config partition, so there are chains to damage.
  await writeFile(join(dir, 'notes.txt'), Buffer.alloc(3000, 0x41));
  await writeFile(join(dir, 'other.txt'), Buffer.alloc(1500, 0x42));
  await shOk('mcopy', ['-i', `${img.path}@@${img.parts.config.start}`, join(dir, 'notes.txt'), '::/3os/notes.txt']);
  await shOk('mcopy', ['-i', `${img.path}@@${img.parts.config.start}`, join(dir, 'other.txt'), '::/other.txt']);
  cfg = join(dir, 'config.yaml');
  await writeFile(cfg, 'version: 1\nhostname: plan-test\ntimezone: Europe/Berlin\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Byte I/O on a copy of the image, for poking damage in with exact offsets. */
async function poke(path: string, offset: number, bytes: Buffer): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.write(bytes, 0, bytes.length, offset);
  } finally {
    await fh.close();
  }
}

async function peek(path: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(length);
    await fh.read(b, 0, length, offset);
    return b;
  } finally {
    await fh.close();
  }
}

/** The config FAT's geometry and the directory entry of a path (FAT16 as the builder makes it), found by reading the bytes. */
async function fatOf(path: string): Promise<{ fat1: number; fat2: number; data: number; cs: number; entry(p: string): Promise<{ at: number; cluster: number }> }> {
  const base = img.parts.config.start;
  const g = parseBootSector(await peek(path, base, 512), img.parts.config.size);
  const fat1 = base + g.fatOffset;
  const fat2 = fat1 + g.fatBytes;
  const data = base + g.dataOffset;
  const findIn = async (dirAt: number, dirLen: number, name: string): Promise<{ at: number; cluster: number }> => {
    const buf = await peek(path, dirAt, dirLen);
    for (let i = 0; i < dirLen; i += 32) {
      if (buf.toString('latin1', i, i + 11) === name && (buf[i + 11] ?? 0) !== 0x0f) return { at: dirAt + i, cluster: buf.readUInt16LE(i + 26) };
    }
    throw new Error(`no entry ${name}`);
  };
  const entry = async (p: string): Promise<{ at: number; cluster: number }> => {
    let at = base + g.rootDirOffset;
    let len = g.rootDirBytes;
    let hit = { at: 0, cluster: 0 };
    for (const part of p.split('/')) {
      const [stem = '', ext = ''] = part.toUpperCase().split('.');
      hit = await findIn(at, len, stem.padEnd(8, ' ') + ext.padEnd(3, ' '));
      at = data + (hit.cluster - 2) * g.clusterSize;
      len = g.clusterSize;
    }
    return hit;
  };
  return { fat1, fat2, data, cs: g.clusterSize, entry };
}

const u16 = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
};

/** A 256 MiB disk holding the image (as `write` leaves it before its grow step). */
async function disk(name: string): Promise<string> {
  const f = join(dir, name);
  await copyFile(img.path, f);
  await truncate(f, DISK);
  return f;
}

async function fsckConfig(path: string): Promise<{ code: number; text: string }> {
  const dev = await attachLoop(path, { offset: img.parts.config.start, sizeLimit: img.parts.config.size });
  try {
    const r = await sh('fsck.fat', ['-n', dev]);
    return { code: r.code, text: r.stdout + r.stderr };
  } finally {
    await detachLoop(dev);
  }
}

/** The first line of the CLI's error (its code's text and the problem). */
const problemOf = (err: string): string => err.split('\n').find((l) => l.trim() !== '') ?? '';

interface Damage {
  readonly name: string;
  readonly code: ErrorCode;
  /** What the message must say. */
  readonly says: RegExp;
  /** The real tool that must see the damage too ('none': a full FAT is not damage). */
  readonly judge: 'fsck.fat' | 'vgck' | 'sgdisk' | 'none';
  /** Seeding alone touches it (the FAT); the LVM and the table's primary copy are the grow's. */
  readonly seedRefuses: boolean;
  apply(path: string): Promise<void>;
}

/** Whether the real tool for `judge` sees a problem on the disk file. */
async function toolSeesDamage(judge: Damage['judge'], path: string): Promise<{ sees: boolean; text: string }> {
  if (judge === 'fsck.fat' || judge === 'none') {
    const r = await fsckConfig(path);
    return { sees: r.code !== 0, text: r.text };
  }
  if (judge === 'sgdisk') {
    const r = await sh('sgdisk', ['-v', path]);
    // sgdisk looks for the backup only at the disk's end (here: past the image); with the primary
    // broken it then finds no GPT at all and starts a new one in memory.
    return { sees: !r.text.includes('No problems found') || r.text.includes('Creating new GPT entries'), text: r.text };
  }
  const dev = await attachLoop(path, { offset: img.parts.data.start, sizeLimit: img.parts.data.size });
  try {
    const r = await lvmRun(dev, 'vgck', '3os');
    return { sees: r.code !== 0, text: r.text };
  } finally {
    await detachLoop(dev);
  }
}

const damages: readonly Damage[] = [
  {
    name: 'a bad BPB (sectors per cluster 3)',
    code: 'E_FAT',
    says: /sectors per cluster 3/,
    judge: 'fsck.fat',
    seedRefuses: true,
    apply: (p) => poke(p, img.parts.config.start + 13, Buffer.from([3])),
  },
  {
    name: 'FAT copies that disagree',
    code: 'E_FAT',
    says: /FAT copy 2 differs from copy 1/,
    judge: 'fsck.fat',
    seedRefuses: true,
    async apply(p) {
      const f = await fatOf(p);
      const { cluster } = await f.entry('3os/notes.txt');
      await poke(p, f.fat2 + cluster * 2, u16(0xfff7)); // copy 2 only: the file's first cluster "bad"
    },
  },
  {
    name: 'a cluster chain that loops',
    code: 'E_FAT',
    says: /loops back to cluster/,
    judge: 'fsck.fat',
    seedRefuses: true,
    async apply(p) {
      const f = await fatOf(p);
      const { cluster } = await f.entry('3os/notes.txt'); // 3000 bytes: 6 clusters of 512
      for (const fat of [f.fat1, f.fat2]) await poke(p, fat + (cluster + 5) * 2, u16(cluster)); // last -> first
    },
  },
  {
    name: 'a directory entry pointing outside the volume',
    code: 'E_FAT',
    says: /first cluster 65000 lies outside the volume/,
    judge: 'fsck.fat',
    seedRefuses: true,
    async apply(p) {
      const f = await fatOf(p);
      const { at } = await f.entry('other.txt');
      await poke(p, at + 26, u16(65000));
    },
  },
  {
    name: 'two files sharing clusters',
    code: 'E_FAT',
    says: /cross-linked/,
    judge: 'fsck.fat',
    seedRefuses: true,
    async apply(p) {
      const f = await fatOf(p);
      const notes = await f.entry('3os/notes.txt');
      const other = await f.entry('other.txt');
      await poke(p, other.at + 26, u16(notes.cluster + 3)); // other.txt (3 clusters) now starts inside notes.txt
    },
  },
  {
    name: 'a full FAT',
    code: 'E_FAT_FULL',
    says: /no room for 3os\//,
    judge: 'none',
    seedRefuses: true,
    async apply(p) {
      const m = /([\d ]+) bytes free/.exec(await shOk('mdir', ['-i', `${p}@@${img.parts.config.start}`, '::/']));
      const free = Number(m?.[1]?.replace(/ /g, ''));
      const filler = join(dir, 'filler.bin');
      await writeFile(filler, Buffer.alloc(free, 0x5a));
      await shOk('mcopy', ['-i', `${p}@@${img.parts.config.start}`, filler, '::/filler.bin']);
    },
  },
  {
    name: 'a corrupt LVM metadata area (header checksum)',
    code: 'E_LVM_CORRUPT',
    says: /header checksum mismatch/,
    judge: 'vgck',
    seedRefuses: false,
    apply: (p) => poke(p, img.parts.data.start + 4096 + 200, Buffer.from([0x5a])),
  },
  {
    name: 'a corrupt primary GPT header (backup intact)',
    code: 'E_PARTITION_TABLE',
    says: /primary GPT is corrupt/,
    judge: 'sgdisk',
    seedRefuses: false,
    apply: (p) => poke(p, 512 + 40, Buffer.from([0x99])),
  },
];

describe('a damaged or full config FAT, LVM or partition table is refused before anything is written', () => {
  for (const d of damages) {
    it(`${d.name}: grow, grow --dry-run, ${d.seedRefuses ? 'seed, ' : ''}planDisk and write refuse with ${d.code}; the disk is byte-identical`, async () => {
      const f = await disk(`damaged-${d.code}-${damages.indexOf(d)}.img`);
      await d.apply(f);
      const tool = await toolSeesDamage(d.judge, f);
      expect(tool.sees, `${d.judge} must see the damage (and fsck.fat not a full FAT):\n${tool.text}`).toBe(d.judge !== 'none');
      const before = await sha(f);

      const real = await runCli(['grow', f]);
      expect(real.code, real.err).toBe(ERROR_CODES[d.code]);
      expect(real.err).toMatch(d.says);
      expect(await sha(f)).toBe(before);

      const dry = await runCli(['grow', f, '--dry-run']);
      expect(dry.code, dry.err).toBe(ERROR_CODES[d.code]);
      expect(problemOf(dry.err)).toBe(problemOf(real.err));
      expect(await sha(f)).toBe(before);

      if (d.seedRefuses) {
        const seeded = await runCli(['seed', f, '--config', cfg]);
        expect(seeded.code, seeded.err).toBe(ERROR_CODES[d.code]);
        expect(seeded.err).toMatch(d.says);
        expect(await sha(f)).toBe(before);
      }

      // The API: the plan itself refuses, with the same code.
      const io = await openDisk(f, { writable: false });
      try {
        const e: unknown = await planDisk(io, { grow: true, seed: { files: [{ path: '3os/config.yaml', data: Buffer.from('version: 1\n') }] } }).then(
          () => undefined,
          (x: unknown) => x,
        );
        expect(isFlashError(e) ? e.code : e).toBe(d.code);
      } finally {
        await io.close();
      }

      // write: a raw image is planned like the targets before any target is opened, so the
      // damaged FAT refuses the job and the target keeps its old bytes.
      const damagedImage = join(dir, `image-${damages.indexOf(d)}.img`);
      await copyFile(img.path, damagedImage);
      await d.apply(damagedImage);
      const t = join(dir, `target-${damages.indexOf(d)}.img`);
      await shOk('truncate', ['-s', String(DISK), t]);
      await shOk('dd', ['if=/dev/urandom', `of=${t}`, 'bs=1M', 'count=2', 'conv=notrunc', 'status=none']);
      const targetBefore = await sha(t);
      const w = await runCli(['write', damagedImage, '--to', t, '--config', cfg, '--yes', '--no-eject', '--json']);
      expect(w.code, w.out + w.err).toBe(ERROR_CODES[d.code]);
      expect(w.out + w.err).toMatch(/nothing was written/);
      expect(await sha(t)).toBe(targetBefore);
      // A compressed image cannot be planned before it is decoded: it is written, then its grow and
      // seed steps refuse before changing it, so the target holds exactly the image.
      await shOk('zstd', ['-q', '-f', damagedImage, '-o', `${damagedImage}.zst`]);
      const z = await runCli(['write', `${damagedImage}.zst`, '--to', t, '--config', cfg, '--yes', '--no-eject', '--json']);
      expect(z.code, z.out + z.err).toBe(ERROR_CODES[d.code]);
      const written = await peek(t, 0, img.size);
      expect(createHash('sha256').update(written).digest('hex')).toBe(await sha(damagedImage));
      await rm(t);
      await rm(`${damagedImage}.zst`);
    });
  }
});

describe('a good disk grows and seeds in one plan', () => {
  it('planDisk writes nothing; apply() grows (sgdisk -v, vgck, lvs) and seeds (fsck.fat -n, mtype)', async () => {
    const f = await disk('good.img');
    const before = await sha(f);
    const files = [
      { path: '3os/config.yaml', data: Buffer.from('version: 1\nhostname: planned\n') },
      { path: 'user-data', data: Buffer.from('#cloud-config\n') },
    ];
    const io = await openDisk(f, { writable: true });
    let recorded: string | undefined;
    try {
      const plan = await planDisk(io, { grow: true, seed: { files, hostname: 'planned' } });
      expect(await sha(f)).toBe(before);
      expect(plan.changed).toBe(true);
      expect(plan.table?.after.size).toBe(DISK - img.parts.data.start - 33 * 512);
      expect(plan.filesystems).toEqual([expect.objectContaining({ lv: 'containers', outcome: 'resized' })]);
      expect(plan.config?.writeFiles.map((w) => w.path)).toEqual(['3os/grow.json', '3os/config.yaml', 'user-data']);
      const kinds = plan.writes.map((w) => w.what.replace(/ \(.*/, '').replace(/ \d+$/, ''));
      // Order: partition table, then LVM, then the config FAT.
      expect(kinds.indexOf('LVM metadata')).toBeGreaterThan(kinds.lastIndexOf('protective MBR size'));
      expect(kinds.indexOf('config partition')).toBeGreaterThan(kinds.lastIndexOf('LVM metadata'));
      const done = await plan.apply();
      expect(done.filesystems).toEqual([{ lv: 'containers', outcome: 'resized' }]);
      recorded = done.recorded;
      await expect(plan.apply()).rejects.toThrow(/applied once/);
    } finally {
      await io.close();
    }
    expect(recorded).toBe('3os/grow.json');
    expect(await shOk('sgdisk', ['-v', f])).toContain('No problems found');
    const data = { start: img.parts.data.start, size: DISK - img.parts.data.start - 33 * 512 };
    const dev = await attachLoop(f, { offset: data.start, sizeLimit: data.size });
    await lvmOn(dev, 'vgck', '3os');
    const pvs = await lvmOn(dev, 'pvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'pv_free');
    expect(Number(pvs.trim())).toBe(0);
    await detachLoop(dev);
    const fsck = await fsckConfig(f);
    expect(fsck.code, fsck.text).toBe(0);
    const m = `${f}@@${img.parts.config.start}`;
    expect(await shOk('mtype', ['-i', m, '::/3os/config.yaml'])).toBe('version: 1\nhostname: planned\n');
    expect(await shOk('mtype', ['-i', m, '::/user-data'])).toBe('#cloud-config\n');
    expect(JSON.parse(await shOk('mtype', ['-i', m, '::/3os/grow.json']))).toEqual({ version: 1, vg: '3os', grow: [{ lv: 'containers', offline: 'resized' }], create: [] });
    expect(await shOk('mtype', ['-i', m, '::/3os/notes.txt'])).toBe('A'.repeat(3000));
  });

  it('grow + seed in one plan: room for the grow record but not for the config refuses both, nothing written', async () => {
    const f = await disk('almost-full.img');
    const m = /([\d ]+) bytes free/.exec(await shOk('mdir', ['-i', `${f}@@${img.parts.config.start}`, '::/']));
    const free = Number(m?.[1]?.replace(/ /g, ''));
    const filler = join(dir, 'filler-almost.bin');
    await writeFile(filler, Buffer.alloc(free - 4 * 512, 0x5a)); // 4 clusters left
    await shOk('mcopy', ['-i', `${f}@@${img.parts.config.start}`, filler, '::/filler.bin']);
    const before = await sha(f);
    const io = await openDisk(f, { writable: true });
    try {
      const e: unknown = await planDisk(io, { grow: true, seed: { files: [{ path: '3os/config.yaml', data: Buffer.alloc(8000, 0x61) }] } }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(isFlashError(e) ? [e.code, e.phase] : e).toEqual(['E_FAT_FULL', 'seed']);
      expect((e as Error).message).toMatch(/no room for 3os\/config\.yaml \(8000 bytes/);
      expect(await sha(f)).toBe(before);
      // The grow alone fits (its record takes one cluster).
      const grow = await planDisk(io, { grow: true });
      expect(grow.config?.freeBytesAfter).toBe(3 * 512);
      expect(await sha(f)).toBe(before);
    } finally {
      await io.close();
    }
  });

  it('a plan refuses to apply to a disk that changed after it was planned', async () => {
    const f = await disk('changed.img');
    const io = await openDisk(f, { writable: true });
    try {
      const plan = await planDisk(io, { grow: true });
      await poke(f, 512 + 100, Buffer.from([0x77])); // inside the primary GPT header
      const changed = await sha(f);
      const e: unknown = await plan.apply().then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(isFlashError(e) ? e.code : e).toBe('E_TARGET_BUSY');
      expect(await sha(f)).toBe(changed);
    } finally {
      await io.close();
    }
  });

  it('a dirty config FAT (not cleanly unmounted) is checked, seeded and marked clean', async () => {
    const f = await disk('dirty.img');
    const base = img.parts.config.start;
    const f1 = await fatOf(f);
    await poke(f, base + 37, Buffer.from([0x01])); // boot sector state: dirty
    for (const fat of [f1.fat1, f1.fat2]) await poke(f, fat + 2, u16(0x7fff)); // FAT[1]: clean-shutdown bit off
    const fsck = await fsckConfig(f);
    expect(fsck.text).toMatch(/[Dd]irty bit/);
    const r = await runCli(['seed', f, '--config', cfg]);
    expect(r.code, r.err).toBe(0);
    const after = await fsckConfig(f);
    expect(after.code, after.text).toBe(0);
    expect(await shOk('mtype', ['-i', `${f}@@${base}`, '::/3os/config.yaml'])).toMatch(/hostname: plan-test/);
  });

  it('an ext4 that e2fsck does not call clean is not touched offline: the LV grows, the filesystem is left to first boot', async () => {
    const f = await disk('dirty-ext4.img');
    const lvStart = img.parts.data.start + 1 * MiB + 16 * MiB;
    const fsDev = await attachLoop(f, { offset: lvStart, sizeLimit: 32 * MiB });
    await shOk('debugfs', ['-w', '-R', 'sif <2> links_count 7', fsDev]); // root inode's link count wrong
    const n = await sh('e2fsck', ['-fn', fsDev]);
    expect(n.code).not.toBe(0);
    await detachLoop(fsDev);
    const fsBefore = createHash('sha256').update(await peek(f, lvStart, 32 * MiB)).digest('hex');
    const r = await runCli(['grow', f, '--json']);
    expect(r.code, r.err).toBe(0);
    const g = JSON.parse(r.out) as { changed: boolean; filesystems: { lv: string; outcome: string; detail?: string }[]; warnings: string[] };
    expect(g.changed).toBe(true);
    expect(g.filesystems).toEqual([{ lv: 'containers', outcome: 'left-to-first-boot', detail: expect.stringMatching(/e2fsck -fn exit/) as unknown }]);
    expect(g.warnings.join('\n')).toMatch(/filesystem on containers/);
    expect(createHash('sha256').update(await peek(f, lvStart, 32 * MiB)).digest('hex')).toBe(fsBefore);
    const rec = JSON.parse(await shOk('mtype', ['-i', `${f}@@${img.parts.config.start}`, '::/3os/grow.json'])) as { grow: unknown };
    expect(rec.grow).toEqual([{ lv: 'containers', offline: 'left-to-first-boot' }]);
  });
});
