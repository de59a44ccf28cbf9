// Offline A/B slot switching on a real FAT boot partition (mkfs.fat + mtools build it, mtools and
// fsck.fat judge what we wrote); the systemd-boot behaviour itself is proven in QEMU (journey 3).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDisk } from '../../flasher/disk-io.js';
import { readSlots, setSlot } from '../../provisioning/slots/index.js';
import { attachLoop, detachAll, detachLoop } from '../../testkit/loop.js';
import { shOk } from '../../testkit/sh.js';
import { build3osImage, type Built3os } from '../../testkit/threeos-image.js';
import { expectFsckClean } from './fat-tools.js';

let dir = '';
let img: Built3os;
const boot = (): string => `${img.path}@@${img.parts.boot.start}`;
const entries = async (): Promise<string[]> => (await shOk('mdir', ['-b', '-i', boot(), '::/loader/entries'])).trim().split('\n').map((l) => l.replace(/^.*\//, '').trim()).sort();
const loaderConf = (): Promise<string> => shOk('mtype', ['-i', boot(), '::/loader/loader.conf']);

async function withDisk<T>(fn: (d: Awaited<ReturnType<typeof openDisk>>) => Promise<T>): Promise<T> {
  const d = await openDisk(img.path, { writable: true });
  try {
    return await fn(d);
  } finally {
    await d.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), '3os-slots-'));
  img = await build3osImage(dir);
  await writeFile(join(dir, 'a.conf'), 'title a\nlinux /3os/a/vmlinuz\noptions 3os.slot=a\n');
  await writeFile(join(dir, 'b.conf'), 'title b\nlinux /3os/b/vmlinuz\noptions 3os.slot=b\n');
  await writeFile(join(dir, 'loader.conf'), 'default 3os-a.conf\ntimeout 0\n');
  await shOk('mmd', ['-i', boot(), '::/loader', '::/loader/entries']);
  await shOk('mcopy', ['-i', boot(), join(dir, 'loader.conf'), '::/loader/loader.conf']);
  await shOk('mcopy', ['-i', boot(), join(dir, 'a.conf'), '::/loader/entries/3os-a.conf']);
  await shOk('mcopy', ['-i', boot(), join(dir, 'b.conf'), '::/loader/entries/3os-b+3-0.conf']);
});
afterAll(async () => {
  await detachAll();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('offline slots (systemd-boot entries on 3os-boot)', () => {
  it('reads the fresh state: A good and default, B on its counter', async () => {
    const s = await withDisk((d) => readSlots(d));
    expect(s).toMatchObject({ next: 'a', defaultSlot: 'a', defaultPattern: '3os-a.conf', a: { state: 'good' }, b: { state: 'trying', triesLeft: 3, triesDone: 0 } });
  });

  it('switches to B on trial, keeps other loader.conf lines, and leaves a clean FAT', async () => {
    const s = await withDisk((d) => setSlot(d, 'b'));
    expect(s).toMatchObject({ next: 'b', defaultPattern: '3os-b+[1-9]*.conf' });
    const conf = await loaderConf();
    expect(conf).toMatch(/^default 3os-b\+\[1-9\]\*\.conf$/m);
    expect(conf).toMatch(/^timeout 0$/m);
    expect(await entries()).toEqual(['3os-a.conf', '3os-b+3-0.conf']);
    const dev = await attachLoop(img.path, { offset: img.parts.boot.start, sizeLimit: img.parts.boot.size, readOnly: true });
    try {
      expectFsckClean(dev);
    } finally {
      await detachLoop(dev);
    }
  });

  it('a used-up trial no longer matches: A boots next; --try restarts the count', async () => {
    await shOk('mren', ['-i', boot(), '::/loader/entries/3os-b+3-0.conf', '::/loader/entries/3os-b+0-3.conf']);
    const bad = await withDisk((d) => readSlots(d));
    expect(bad).toMatchObject({ next: 'a', defaultSlot: 'b', b: { state: 'bad', triesDone: 3 } });
    const again = await withDisk((d) => setSlot(d, 'b', { tries: 2 }));
    expect(again).toMatchObject({ next: 'b', b: { state: 'trying', triesLeft: 2, triesDone: 0 } });
    expect(await entries()).toEqual(['3os-a.conf', '3os-b+2-0.conf']);
    expect(await shOk('mtype', ['-i', boot(), '::/loader/entries/3os-b+2-0.conf'])).toContain('3os.slot=b');
  });

  it('switches to a good slot with an exact default, and refuses a missing slot', async () => {
    const s = await withDisk((d) => setSlot(d, 'a'));
    expect(s).toMatchObject({ next: 'a', defaultPattern: '3os-a.conf', a: { state: 'good' } });
    await shOk('mdel', ['-i', boot(), '::/loader/entries/3os-b+2-0.conf']);
    await expect(withDisk((d) => setSlot(d, 'b'))).rejects.toMatchObject({ code: 'E_SLOT' });
    expect(await loaderConf()).toMatch(/^default 3os-a\.conf$/m);
  });
});
