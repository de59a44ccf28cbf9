// The config's raspberry_pi section, seeded offline through the one disk plan: the hardware
// block lands in the committed slot's config.txt on a real FAT (mkfs.fat + mtools build it;
// mtype and fsck.fat -n judge), overlays are checked against the ones the slot ships, and a
// rejected config leaves the whole disk byte for byte as it was.
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../testkit/cli.js';
import { attachLoop, detachAll, detachLoop } from '../../testkit/loop.js';
import { shOk } from '../../testkit/sh.js';
import { build3osImage, type Built3os } from '../../testkit/threeos-image.js';
import { expectFsckClean, mtype } from './fat-tools.js';

const CONFIG = '# my Pi\r\nos_prefix=b/\r\nenable_uart=1\r\n[pi4]\r\narm_boost=1\r\n';
let dir = '';
let base: Built3os;
let n = 0;

async function card(opts: { overlays?: readonly string[] | false; config?: string | false } = {}): Promise<string> {
  const path = join(dir, `card${n++}.img`);
  await copyFile(base.path, path);
  const boot = `${path}@@${base.parts.boot.start}`;
  if (opts.config !== false) {
    await writeFile(join(dir, 'config.txt'), opts.config ?? CONFIG);
    await shOk('mcopy', ['-i', boot, join(dir, 'config.txt'), '::/config.txt']);
  }
  await shOk('mmd', ['-i', boot, '::/a', '::/b']);
  if (opts.overlays !== false) {
    await shOk('mmd', ['-i', boot, '::/b/overlays']);
    await writeFile(join(dir, 'x.dtbo'), Buffer.from([0xd0, 0x0d, 0xfe, 0xed]));
    for (const o of opts.overlays ?? ['w1-gpio', 'i2c-rtc', 'disable-bt']) await shOk('mcopy', ['-i', boot, join(dir, 'x.dtbo'), `::/b/overlays/${o}.dtbo`]);
  }
  return path;
}

async function seed(path: string, yaml: string): Promise<{ code: number; err: string }> {
  const cfg = join(dir, `cfg${n++}.yaml`);
  await writeFile(cfg, yaml);
  return runCli(['seed', path, '--config', cfg]);
}

const sha = async (p: string): Promise<string> => createHash('sha256').update(await readFile(p)).digest('hex');
const configTxt = (path: string): string => mtype(path, base.parts.boot.start, 'config.txt')?.toString('latin1') ?? '(missing)';

async function fsckBoot(path: string): Promise<void> {
  const dev = await attachLoop(path, { offset: base.parts.boot.start, sizeLimit: base.parts.boot.size, readOnly: true });
  try {
    expectFsckClean(dev);
  } finally {
    await detachLoop(dev);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), '3os-pi-hw-'));
  base = await build3osImage(dir);
});
afterAll(async () => {
  await detachAll();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('raspberry_pi section seeded into config.txt', () => {
  it('renders the block into the committed slot\'s config.txt, keeps the user lines, replaces it on a new seed and drops it for an empty section', async () => {
    const p = await card();
    const r = await seed(p, 'version: 1\nhostname: pi\nraspberry_pi:\n  i2c: true\n  spi: true\n  camera: true\n  dtparams: { audio: true }\n  dtoverlays:\n    - name: w1-gpio\n      params: { gpiopin: 4, pullup: true }\n');
    expect(r.code, r.err).toBe(0);
    expect(configTxt(p)).toBe(`${CONFIG}# 3os:hardware begin\r\n[all]\r\ndtparam=i2c_arm=on\r\ndtparam=spi=on\r\ncamera_auto_detect=1\r\ndtparam=audio=on\r\ndtoverlay=w1-gpio,gpiopin=4,pullup=on\r\n# 3os:hardware end\r\n`);
    expect(mtype(p, base.parts.config.start, '3os/config.yaml')?.toString()).toMatch(/raspberry_pi:\n {2}i2c: true/);
    await fsckBoot(p);

    const again = await seed(p, 'version: 1\nraspberry_pi:\n  uart: false\n');
    expect(again.code, again.err).toBe(0);
    expect(configTxt(p)).toBe(`${CONFIG}# 3os:hardware begin\r\n[all]\r\nenable_uart=0\r\n# 3os:hardware end\r\n`);
    const empty = await seed(p, 'version: 1\nraspberry_pi: {}\n');
    expect(empty.code, empty.err).toBe(0);
    expect(configTxt(p)).toBe(CONFIG);
    await fsckBoot(p);
  });

  it('a config without the section leaves config.txt alone', async () => {
    const p = await card();
    expect((await seed(p, 'version: 1\nhostname: plain\n')).code).toBe(0);
    expect(configTxt(p)).toBe(CONFIG);
  });

  it('refuses an overlay the slot does not ship, listing the ones it does, and writes nothing', async () => {
    const p = await card();
    const before = await sha(p);
    const r = await seed(p, 'version: 1\nhostname: pi\nraspberry_pi:\n  i2c: true\n  dtoverlays:\n    - name: w1-gpio\n    - name: sense-hat\n');
    expect(r.code).toBe(50);
    expect(r.err).toMatch(/raspberry_pi\.dtoverlays\[1\]\.name: the image has no overlay "sense-hat"; it ships: disable-bt, i2c-rtc, w1-gpio/);
    expect(r.err).not.toMatch(/dtoverlays\[0\]/);
    expect(await sha(p)).toBe(before);
  });

  it('an image without an overlays directory: any dtoverlay is an error saying so; dtparams still work', async () => {
    const p = await card({ overlays: false });
    const before = await sha(p);
    const r = await seed(p, 'version: 1\nraspberry_pi:\n  dtoverlays: [{ name: disable-bt }]\n');
    expect(r.code).toBe(50);
    expect(r.err).toMatch(/the image ships no device tree overlays \(no b\/overlays\/ on 3os-boot/);
    expect(await sha(p)).toBe(before);
    expect((await seed(p, 'version: 1\nraspberry_pi: { i2c: true }\n')).code).toBe(0);
    expect(configTxt(p)).toMatch(/\[all\]\r\ndtparam=i2c_arm=on\r\n# 3os:hardware end\r\n$/);
  });

  it('refuses, writing nothing: a card that is not a Pi image, a config.txt that is not a 3os layout, unsafe values', async () => {
    const uefi = await card({ config: false });
    const b1 = await sha(uefi);
    const r1 = await seed(uefi, 'version: 1\nraspberry_pi: { spi: true }\n');
    expect(r1.code).toBe(50);
    expect(r1.err).toMatch(/raspberry_pi: the image on .* is not a Raspberry Pi image \(no config\.txt on 3os-boot\)/);
    expect(await sha(uefi)).toBe(b1);

    const foreign = await card({ config: 'dtparam=audio=on\n' });
    const b2 = await sha(foreign);
    const r2 = await seed(foreign, 'version: 1\nraspberry_pi: { spi: true }\n');
    expect(r2.code).toBe(54);
    expect(r2.err).toMatch(/config\.txt is not a 3os Raspberry Pi layout: it sets no os_prefix/);
    expect(await sha(foreign)).toBe(b2);

    const p = await card();
    const b3 = await sha(p);
    const r3 = await seed(p, 'version: 1\nraspberry_pi:\n  dtparams: { "gpio]": "x", audio: "on\\n[all]" }\n');
    expect(r3.code).toBe(50);
    expect(r3.err).toMatch(/dtparams\["gpio\]"\]: the name may only hold letters/);
    expect(r3.err).toMatch(/dtparams\.audio: must not hold line breaks/);
    expect(await sha(p)).toBe(b3);
  });
});
