// Offline A/B slots on a Raspberry Pi 3os card (config.txt os_prefix on one 3os-boot FAT), on a
// real FAT built by mkfs.fat + mtools; mtype and fsck.fat -n judge what the slot verb wrote.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDisk } from '../../flasher/disk-io.js';
import { readSlots, setSlot } from '../../provisioning/slots/index.js';
import { runCli } from '../../testkit/cli.js';
import { attachLoop, detachAll, detachLoop } from '../../testkit/loop.js';
import { shOk } from '../../testkit/sh.js';
import { build3osImage, type Built3os } from '../../testkit/threeos-image.js';
import { expectFsckClean, mtype } from './fat-tools.js';

// A user's config.txt: CRLF lines, a UTF-8 comment, sections, a last line without a newline.
const CONFIG = Buffer.from('# 3os Pi boot – ünïcode comment\r\narm_64bit=1\r\nos_prefix=a/\r\nkernel=vmlinuz\r\ninitramfs initrd.img followkernel\r\n\r\n[pi4]\r\ndtoverlay=vc4-kms-v3d\r\n[all]\r\nenable_uart=1\r\n# my own line\r\ngpu_mem=16', 'utf8');
const withB = Buffer.from(CONFIG.toString('utf8').replace('os_prefix=a/', 'os_prefix=b/'), 'utf8');

let dir = '';
let base: Built3os;
let n = 0;

async function card(config: Buffer = CONFIG, opts: { b?: boolean; tryboot?: string } = {}): Promise<{ path: string; boot: string; start: number }> {
  const path = join(dir, `card${n++}.img`);
  await copyFile(base.path, path);
  const boot = `${path}@@${base.parts.boot.start}`;
  await writeFile(join(dir, 'config.txt'), config);
  await writeFile(join(dir, 'cmdline.txt'), 'root=PARTLABEL=3os-root-a\n');
  await shOk('mcopy', ['-i', boot, join(dir, 'config.txt'), '::/config.txt']);
  await shOk('mmd', ['-i', boot, '::/a', ...(opts.b === false ? [] : ['::/b'])]);
  await shOk('mcopy', ['-i', boot, join(dir, 'cmdline.txt'), '::/a/cmdline.txt']);
  if (opts.tryboot !== undefined) {
    await writeFile(join(dir, 'tryboot.txt'), opts.tryboot);
    await shOk('mcopy', ['-i', boot, join(dir, 'tryboot.txt'), '::/tryboot.txt']);
  }
  return { path, boot, start: base.parts.boot.start };
}

async function withDisk<T>(path: string, fn: (d: Awaited<ReturnType<typeof openDisk>>) => Promise<T>): Promise<T> {
  const d = await openDisk(path, { writable: true });
  try {
    return await fn(d);
  } finally {
    await d.close();
  }
}

async function fsckBoot(path: string): Promise<void> {
  const dev = await attachLoop(path, { offset: base.parts.boot.start, sizeLimit: base.parts.boot.size, readOnly: true });
  try {
    expectFsckClean(dev);
  } finally {
    await detachLoop(dev);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), '3os-pi-slots-'));
  base = await build3osImage(dir);
});
afterAll(async () => {
  await detachAll();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('offline Pi slots (config.txt os_prefix on 3os-boot)', () => {
  it('shows the committed slot, the slot directories and no pending trial', async () => {
    const c = await card();
    expect(await withDisk(c.path, (d) => readSlots(d))).toEqual({ platform: 'rpi', committed: 'a', next: 'a', trybootPending: false, trial: undefined, trybootProblem: undefined, a: { state: 'present' }, b: { state: 'present' } });
  });

  it('slot b rewrites only the os_prefix value: every other byte of config.txt stays; the FAT is clean; back to a gives the original', async () => {
    const c = await card();
    const s = await withDisk(c.path, (d) => setSlot(d, 'b'));
    expect(s).toMatchObject({ platform: 'rpi', committed: 'b', next: 'b' });
    expect(mtype(c.path, c.start, 'config.txt')).toEqual(withB);
    await fsckBoot(c.path);
    await withDisk(c.path, (d) => setSlot(d, 'a'));
    expect(mtype(c.path, c.start, 'config.txt')).toEqual(CONFIG);
    await fsckBoot(c.path);
  });

  it('reports a pending tryboot.txt and removes it with a committed switch', async () => {
    const c = await card(CONFIG, { tryboot: withB.toString('latin1') });
    expect(await withDisk(c.path, (d) => readSlots(d))).toMatchObject({ committed: 'a', next: 'a', trybootPending: true, trial: 'b' });
    await withDisk(c.path, (d) => setSlot(d, 'b'));
    expect(mtype(c.path, c.start, 'tryboot.txt')).toBeUndefined();
    expect(await withDisk(c.path, (d) => readSlots(d))).toMatchObject({ committed: 'b', trybootPending: false });
    await fsckBoot(c.path);
  });

  it('refuses, and leaves config.txt untouched: a trial offline, a missing slot directory, a config.txt that is not a 3os layout', async () => {
    const c = await card(CONFIG, { b: false });
    await expect(withDisk(c.path, (d) => setSlot(d, 'b', { tries: 3 }))).rejects.toMatchObject({ code: 'E_SLOT', message: expect.stringMatching(/trial boot on a Raspberry Pi needs the running device.*serial slot b --try/) as unknown });
    await expect(withDisk(c.path, (d) => setSlot(d, 'b'))).rejects.toMatchObject({ code: 'E_SLOT', message: expect.stringMatching(/no b\/ directory/) as unknown });
    expect(mtype(c.path, c.start, 'config.txt')).toEqual(CONFIG);

    const foreign = Buffer.from('# Raspberry Pi OS\narm_64bit=1\nos_prefix=c/\ndtparam=audio=on\n');
    const f = await card(foreign);
    await expect(withDisk(f.path, (d) => readSlots(d))).rejects.toMatchObject({ code: 'E_SLOT', message: expect.stringMatching(/config\.txt is not a 3os Raspberry Pi layout: os_prefix=c\/ \(line 3\)/) as unknown });
    await expect(withDisk(f.path, (d) => setSlot(d, 'b'))).rejects.toMatchObject({ code: 'E_SLOT' });
    expect(mtype(f.path, f.start, 'config.txt')).toEqual(foreign);

    const plain = Buffer.from('arm_64bit=1\nkernel=kernel8.img\n');
    const p = await card(plain);
    await expect(withDisk(p.path, (d) => setSlot(d, 'a'))).rejects.toMatchObject({ code: 'E_SLOT', message: expect.stringMatching(/sets no os_prefix/) as unknown });
    expect(mtype(p.path, p.start, 'config.txt')).toEqual(plain);
  });

  it('the CLI: show, switch, and refuse --try before anything is asked or written', async () => {
    const c = await card();
    const show = await runCli(['slot', c.path]);
    expect(show.code, show.err).toBe(0);
    expect(show.out).toMatch(/^next boot: slot a \(config\.txt os_prefix=a\/, committed\)$/m);
    expect(show.out).toMatch(/^trial pending: none$/m);
    const tryIt = await runCli(['slot', c.path, 'b', '--try']);
    expect(tryIt.code).toBe(54);
    expect(tryIt.err).toMatch(/needs the running device/);
    expect(tryIt.err).not.toMatch(/\n\s+at /);
    expect(mtype(c.path, c.start, 'config.txt')).toEqual(CONFIG);
    const sw = await runCli(['slot', c.path, 'b', '--json']);
    expect(sw.code, sw.err).toBe(0);
    expect(JSON.parse(sw.out)).toMatchObject({ platform: 'rpi', committed: 'b' });
    expect(mtype(c.path, c.start, 'config.txt')).toEqual(withB);
    await fsckBoot(c.path);
  });
});
