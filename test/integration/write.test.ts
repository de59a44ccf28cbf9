/**
 * The write engine end to end, through the CLI: real compressed images made with the real tools,
 * written to loop devices and files, compared byte for byte; and every bad input of the engine
 * issue, each with its exit code and a target whose first MiB is no valid partition table.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, readFile, truncate, mkdir, open } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachLoop, detachAll } from '../../testkit/loop.js';
import { runCli } from '../../testkit/cli.js';
import { sh, shOk } from '../../testkit/sh.js';
import { ERROR_CODES } from '../../flasher/errors.js';
import { runPlan } from '../../provisioning/plan/run-plan.js';

const MiB = 1024 * 1024;
const IMG_SIZE = 24 * MiB;
let dir: string;
let img: string;
let imgBytes: Buffer;

async function readRange(path: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(length);
    const { bytesRead } = await fh.read(b, 0, length, offset);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A disk of `size` bytes filled with 0xA5 junk, so unwritten areas show. */
async function junkDisk(name: string, size: number): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, Buffer.alloc(size, 0xa5));
  return p;
}

/** True when the first MiB holds a partition table signature (MBR 0x55AA or "EFI PART"). */
async function looksPartitioned(path: string): Promise<boolean> {
  const head = await readRange(path, 0, MiB);
  return (head[510] === 0x55 && head[511] === 0xaa) || head.subarray(512, 520).toString('latin1') === 'EFI PART';
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), '3os-write-'));
  img = join(dir, 'disk.img');
  // A GPT disk with random data in places and zero runs in others (realistic: compressible and sparse).
  const b = Buffer.alloc(IMG_SIZE);
  for (let off = 2 * MiB; off < IMG_SIZE; off += 4 * MiB) randomBytes(MiB + 12345).copy(b, off);
  await writeFile(img, b);
  await shOk('sgdisk', ['-o', '-n', '1:2048:+8M', '-c', '1:3os-boot', '-n', '2:0:0', '-c', '2:3os-data', img]);
  imgBytes = await readFile(img);
  await shOk('xz', ['-k', '-T0', '-3', img]);
  await shOk('zstd', ['-q', '-k', img, '-o', `${img}.zst`]);
  await shOk('gzip', ['-k', img]);
  await shOk('bzip2', ['-k', img]);
  await shOk('zip', ['-j', '-q', `${img}.zip`, img]);
});

/** Mounted by a test; unmounted after it, before its loop devices are detached. */
const mounts: string[] = [];

afterEach(async () => {
  for (const m of mounts.splice(0)) await sh('umount', [m]);
  await detachAll();
});

afterAll(async () => {
  await detachAll();
  await rm(dir, { recursive: true, force: true });
});

describe('write: formats to loop devices and files', () => {
  it.each(['', '.xz', '.zst', '.gz', '.bz2', '.zip'])('writes disk.img%s to a loop device, byte for byte, verified', async (ext) => {
    const backing = await junkDisk(`loop${ext}.bin`, 64 * MiB);
    const dev = await attachLoop(backing);
    const r = await runCli(['write', `${img}${ext}`, '--to', dev, '--json', '--yes']);
    expect(r.code, r.out + r.err).toBe(0);
    const summary = JSON.parse(r.out.trim().split('\n').at(-1) ?? '{}') as { sha256: string; results: { ok: boolean; verified: boolean }[] };
    expect(summary.sha256).toBe(sha(imgBytes));
    expect(summary.results[0]).toMatchObject({ ok: true, verified: true });
    expect(sha(await readRange(dev, 0, IMG_SIZE))).toBe(sha(imgBytes));
  });

  it('writes to a new image file, and to two loop devices and a file at once', async () => {
    const a = await attachLoop(await junkDisk('a.bin', 32 * MiB));
    const b = await attachLoop(await junkDisk('b.bin', 48 * MiB));
    const f = join(dir, 'out', 'copy.img');
    await mkdir(join(dir, 'out'), { recursive: true });
    const r = await runCli(['write', `${img}.zst`, '--to', a, '--to', b, '--to', f, '--yes']);
    expect(r.code, r.err).toBe(0);
    for (const t of [a, b]) expect(sha(await readRange(t, 0, IMG_SIZE))).toBe(sha(imgBytes));
    expect(sha(await readFile(f))).toBe(sha(imgBytes));
    // The old junk past the image on a block device: the last MiB is wiped (no stale backup GPT).
    expect((await readRange(b, 48 * MiB - 4096, 4096)).every((x) => x === 0)).toBe(true);
  });

  it('keeps a larger existing image file at its size (a virtual disk)', async () => {
    const f = join(dir, 'vdisk.img');
    await writeFile(f, '');
    await truncate(f, 100 * MiB);
    const r = await runCli(['write', img, '--to', f, '--yes']);
    expect(r.code, r.err).toBe(0);
    const back = await readFile(f);
    expect(back.length).toBe(100 * MiB);
    expect(sha(back.subarray(0, IMG_SIZE))).toBe(sha(imgBytes));
  });

  it('checks --sha256 against the decoded image or the downloaded file', async () => {
    const f1 = join(dir, 'sha1.img');
    expect((await runCli(['write', `${img}.xz`, '--to', f1, '--sha256', sha(imgBytes)])).code).toBe(0);
    const f2 = join(dir, 'sha2.img');
    const xzSha = sha(await readFile(`${img}.xz`));
    expect((await runCli(['write', `${img}.xz`, '--to', f2, '--sha256', xzSha])).code).toBe(0);
  });
});

describe('write: a mounted target', () => {
  it('is refused untouched (E_TARGET_BUSY) unless --unmount; with it, unmounted and written', async () => {
    const backing = join(dir, 'mounted.bin');
    await writeFile(backing, Buffer.alloc(0));
    await truncate(backing, 64 * MiB);
    // No lazy init: the kernel must not write to the mounted fs behind our back between the two hashes.
    await shOk('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', backing]);
    const dev = await attachLoop(backing);
    const mnt = await mkdtemp(join(tmpdir(), '3os-write-mnt-'));
    await shOk('mount', [dev, mnt]);
    mounts.push(mnt);
    await writeFile(join(mnt, 'keep.txt'), 'still here\n');
    await shOk('sync', []);
    const before = sha(await readFile(backing));

    const refused = await runCli(['write', img, '--to', dev, '--yes', '--json', '--no-eject']);
    expect(refused.code, refused.out + refused.err).toBe(ERROR_CODES.E_TARGET_BUSY);
    expect(ERROR_CODES.E_TARGET_BUSY).toBe(24);
    const summary = JSON.parse(refused.out.trim().split('\n').at(-1) ?? '{}') as { results: { ok: boolean; bytesWritten: number; error?: { code: string; phase?: string; message: string } }[] };
    expect(summary.results[0]).toMatchObject({ ok: false, bytesWritten: 0, error: { code: 'E_TARGET_BUSY', phase: 'open' } });
    expect(summary.results[0]?.error?.message).toMatch(/--unmount/);
    expect((await sh('findmnt', ['-n', '-S', dev])).code).toBe(0);
    expect(sha(await readFile(backing))).toBe(before);

    const ok = await runCli(['write', img, '--to', dev, '--yes', '--json', '--no-eject', '--unmount']);
    expect(ok.code, ok.out + ok.err).toBe(0);
    const written = JSON.parse(ok.out.trim().split('\n').at(-1) ?? '{}') as { results: { ok: boolean; verified: boolean; unmounted?: string[] }[] };
    expect(written.results[0]).toMatchObject({ ok: true, verified: true, unmounted: [mnt] });
    mounts.splice(mounts.indexOf(mnt), 1);
    expect((await sh('findmnt', ['-n', '-S', dev])).code).not.toBe(0);
    expect(sha(await readRange(dev, 0, IMG_SIZE))).toBe(sha(imgBytes));
    await rm(mnt, { recursive: true, force: true });
  });
});

describe('write: bmap', () => {
  it('writes only mapped ranges to a device, and checks them', async () => {
    const sparse = join(dir, 'sparse.img');
    await writeFile(sparse, '');
    await truncate(sparse, 32 * MiB);
    const fh = await open(sparse, 'r+');
    await fh.write(imgBytes.subarray(0, 2 * MiB), 0, 2 * MiB, 0);
    await fh.write(randomBytes(3 * MiB), 0, 3 * MiB, 10 * MiB);
    await fh.write(randomBytes(5000), 0, 5000, 32 * MiB - 5000);
    await fh.close();
    await shOk('bmaptool', ['create', '-o', `${sparse}.bmap`, sparse]);
    const backing = await junkDisk('bmap-target.bin', 40 * MiB);
    const dev = await attachLoop(backing);
    const r = await runCli(['write', sparse, '--to', dev, '--yes', '--json']);
    expect(r.code, r.out + r.err).toBe(0);
    const src = await readFile(sparse);
    for (const [s, len] of [[0, 2 * MiB], [10 * MiB, 3 * MiB], [32 * MiB - 5000, 5000]] as const) {
      expect(sha(await readRange(dev, s, len))).toBe(sha(src.subarray(s, s + len)));
    }
    // Unmapped areas are not written (bmaptool semantics): the old junk is still there.
    expect((await readRange(dev, 20 * MiB, 4096)).every((x) => x === 0xa5)).toBe(true);
    const summary = JSON.parse(r.out.trim().split('\n').at(-1) ?? '{}') as { results: { bytesWritten: number }[] };
    expect(summary.results[0]?.bytesWritten).toBeLessThan(8 * MiB);
    // A bmap that does not belong to the image is refused before the partition table is written.
    const other = join(dir, 'other.img');
    await writeFile(other, randomBytes(32 * MiB));
    const dev2 = await attachLoop(await junkDisk('bmap-bad.bin', 40 * MiB));
    const bad = await runCli(['write', other, '--bmap', `${sparse}.bmap`, '--to', dev2, '--yes']);
    expect(bad.code).toBe(ERROR_CODES.E_BMAP);
    expect(await looksPartitioned(dev2)).toBe(false);
  });
});

describe('write: bad input', () => {
  it('missing image', async () => {
    const r = await runCli(['write', join(dir, 'nope.img'), '--to', join(dir, 'x.img')]);
    expect(r.code).toBe(ERROR_CODES.E_SOURCE_MISSING);
    expect(r.err).toMatch(/nope\.img/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('corrupt and truncated compressed streams leave no partition table', async () => {
    const xz = await readFile(`${img}.xz`);
    const corrupt = Buffer.from(xz);
    const mid = Math.floor(corrupt.length / 2);
    corrupt[mid] = (corrupt[mid] ?? 0) ^ 0x40;
    await writeFile(join(dir, 'corrupt.img.xz'), corrupt);
    await writeFile(join(dir, 'trunc.img.xz'), xz.subarray(0, Math.floor(xz.length * 0.7)));
    for (const [name, codes] of [['corrupt.img.xz', [ERROR_CODES.E_FORMAT_CORRUPT]], ['trunc.img.xz', [ERROR_CODES.E_TRUNCATED, ERROR_CODES.E_FORMAT_CORRUPT]]] as const) {
      const dev = await attachLoop(await junkDisk(`${name}.bin`, 32 * MiB));
      await shOk('sgdisk', ['-o', dev]);
      const r = await runCli(['write', join(dir, name), '--to', dev, '--yes']);
      expect(codes, `${name}: ${r.err}`).toContain(r.code);
      expect(await looksPartitioned(dev)).toBe(false);
    }
  });

  it('unknown format', async () => {
    await writeFile(join(dir, 'x.7z'), Buffer.concat([Buffer.from('377abcaf271c', 'hex'), randomBytes(1000)]));
    const r = await runCli(['write', join(dir, 'x.7z'), '--to', join(dir, 'x7.img')]);
    expect(r.code).toBe(ERROR_CODES.E_FORMAT_UNKNOWN);
  });

  it('image larger than the target: refused, the other target still written', async () => {
    const small = await attachLoop(await junkDisk('small.bin', 16 * MiB));
    const good = await attachLoop(await junkDisk('good.bin', 32 * MiB));
    const r = await runCli(['write', `${img}.gz`, '--to', small, '--to', good, '--yes', '--json']);
    expect(r.code).toBe(101);
    const summary = JSON.parse(r.out.trim().split('\n').at(-1) ?? '{}') as { results: { target: string; ok: boolean; error?: { code: string } }[] };
    expect(summary.results.find((x) => x.target === small)?.error?.code).toBe('E_TOO_SMALL');
    expect(summary.results.find((x) => x.target === good)?.ok).toBe(true);
    expect(await looksPartitioned(small)).toBe(false);
    expect(sha(await readRange(good, 0, IMG_SIZE))).toBe(sha(imgBytes));
    // A raw image's size is known before writing: the guard refuses the target untouched, saying by how much.
    const before = sha(await readRange(small, 0, 16 * MiB));
    const single = await runCli(['write', img, '--to', small, '--yes']);
    expect(single.code).toBe(ERROR_CODES.E_TOO_SMALL);
    expect(single.err).toMatch(/short by 8388608 bytes \(8\.00 MiB\); nothing was written/);
    expect(sha(await readRange(small, 0, 16 * MiB))).toBe(before);
  });

  it('checksum mismatch: nothing reports success, no partition table', async () => {
    const dev = await attachLoop(await junkDisk('sum.bin', 32 * MiB));
    const r = await runCli(['write', img, '--to', dev, '--sha256', '0'.repeat(64), '--yes']);
    expect(r.code).toBe(ERROR_CODES.E_CHECKSUM);
    expect(await looksPartitioned(dev)).toBe(false);
  });

  it('targets that are a directory, missing, read-only or the image itself', async () => {
    expect((await runCli(['write', img, '--to', dir])).code).toBe(ERROR_CODES.E_TARGET_INVALID);
    expect((await runCli(['write', img, '--to', join(dir, 'no-such-dir', 'x.img')])).code).toBe(ERROR_CODES.E_TARGET_MISSING);
    const ro = await attachLoop(await junkDisk('ro.bin', 32 * MiB), { readOnly: true });
    expect((await runCli(['write', img, '--to', ro, '--yes'])).code).toBe(ERROR_CODES.E_TARGET_READONLY);
    const self = await attachLoop(img);
    expect((await runCli(['write', img, '--to', self, '--yes'])).code).toBe(ERROR_CODES.E_TARGET_HOLDS_SOURCE);
    expect((await runCli(['write', img, '--to', img])).code).toBe(ERROR_CODES.E_TARGET_HOLDS_SOURCE);
  });

  it('a verify mismatch names the offset and wipes the partition table', async () => {
    const backing = await junkDisk('verify.bin', 32 * MiB);
    const dev = await attachLoop(backing);
    const events: string[] = [];
    const summary = await runPlan({ kind: 'flash', image: img, targets: [{ path: dev }], verify: true, grow: false, eject: false }, {
      onEvent: (e) => events.push(e.kind),
      beforeVerify: async (t) => {
        const fh = await open(t, 'r+');
        await fh.write(Buffer.from([0x42]), 0, 1, 5 * MiB + 100000);
        await fh.sync();
        await fh.close();
      },
    });
    const r = summary.results[0];
    expect(r?.ok).toBe(false);
    expect(r?.error?.code).toBe('E_VERIFY_MISMATCH');
    expect(r?.error?.phase).toBe('verify');
    expect(r?.error?.offset).toBe(5 * MiB + 100000);
    expect(await looksPartitioned(dev)).toBe(false);
    expect(events).toContain('done');
  });
});
