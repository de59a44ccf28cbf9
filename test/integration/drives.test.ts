// Drive listing, safety checks, unmount and hot-plug on this machine's real sysfs, with loop devices.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { listDriveEntries } from '../../flasher/drives/list.js';
import { assessTargets } from '../../flasher/drives/assess.js';
import { prepareTarget } from '../../flasher/drives/prepare.js';
import { watchDrives, type DriveEvent } from '../../flasher/drives/watcher.js';
import { appFlashPlan } from '../../main/backend/app-plan.js';
import { DrivesService } from '../../main/backend/drives-service.js';
import { drivesCommand } from '../../main/cli/commands/drives.js';
import { attachLoop, detachLoop, type LoopOptions } from '../../testkit/loop.js';
import { shSync, shSyncOk } from '../../testkit/sh.js';
import { systemDisk as rootDisk } from '../../testkit/system-disk.js';

const sh = (cmd: string, args: string[]): string => shSyncOk(cmd, args).trim();
let dir: string;
/** Mounted by a test, unmounted after it (before testkit detaches the test's loop devices). */
const mounts: string[] = [];

async function attach(name: string, bytes: number, opts: LoopOptions = {}): Promise<string> {
  const f = join(dir, name);
  await fsp.writeFile(f, Buffer.alloc(0));
  await fsp.truncate(f, bytes);
  return attachLoop(f, opts);
}

beforeAll(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), '3os-drives-'));
});
afterEach(() => {
  for (const m of mounts.splice(0)) shSync('umount', [m]);
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('listing on this machine', () => {
  it('shows attached loop devices (with includeLoop) and marks the disk backing / as system', async () => {
    const loop = await attach('list.img', 8 << 20);
    try {
      const { drives } = await listDriveEntries({ includeLoop: true });
      const l = drives.find((d) => d.device === loop);
      expect(l).toMatchObject({ kind: 'loop', bus: 'loop', size: 8 << 20, backingFile: join(dir, 'list.img'), system: false });
      const root = drives.find((d) => d.device === rootDisk());
      expect(root?.system).toBe(true);
      expect(root?.systemReasons.join()).toContain('/');
      expect(drives.filter((d) => d.system).map((d) => d.device)).toEqual([rootDisk()]);
      const without = await listDriveEntries({});
      expect(without.drives.some((d) => d.kind === 'loop')).toBe(false);
    } finally {
      await detachLoop(loop);
    }
  });

  it('lists every non-empty disk that lsblk lists', async () => {
    const lsblk = JSON.parse(sh('lsblk', ['-J', '-b', '-d', '-o', 'PATH,SIZE,TYPE'])) as { blockdevices: { path: string; size: number; type: string }[] };
    const expected = lsblk.blockdevices.filter((d) => d.type === 'disk' && d.size > 0 && !d.path.includes('zram')).map((d) => d.path).sort();
    const { drives } = await listDriveEntries({});
    expect(drives.map((d) => d.device).sort()).toEqual(expected);
    for (const d of drives) expect(d.size).toBe(lsblk.blockdevices.find((b) => b.path === d.device)?.size);
  });

  it('CLI: drives --json --include-loop prints every field; table marks system', async () => {
    const loop = await attach('cli.img', 4 << 20);
    try {
      const out = new PassThrough();
      let text = '';
      out.on('data', (d: Buffer) => (text += d.toString()));
      const io = { out, err: new PassThrough(), stdin: new PassThrough(), env: {} };
      expect(await drivesCommand.run(['--json', '--include-loop'], io)).toBe(0);
      const doc = JSON.parse(text) as { drives: Record<string, unknown>[]; usbBoot: unknown[] };
      const l = doc.drives.find((d) => d.device === loop);
      expect(l).toMatchObject({ backingFile: join(dir, 'cli.img'), model: null, partitionTable: null, threeOs: null });
      text = '';
      expect(await drivesCommand.run([], io)).toBe(0);
      const rootLine = text.split('\n').find((line) => line.startsWith(`${rootDisk()} `));
      expect(rootLine).toMatch(/\bsystem\b/);
      expect(text).not.toContain(loop);
      await expect(drivesCommand.run(['--bogus'], io)).rejects.toMatchObject({ code: 'E_USAGE' });
    } finally {
      await detachLoop(loop);
    }
  });
});

describe('safety checks with real facts', () => {
  it('refuses the system disk, a disk holding the source, a read-only and a too-small target', async () => {
    const big = await attach('fs.img', 32 << 20);
    shSyncOk('mkfs.ext4', ['-q', big]);
    const mnt = join(dir, 'mnt');
    await fsp.mkdir(mnt);
    shSyncOk('mount', [big, mnt]);
    mounts.push(mnt);
    const image = join(mnt, 'source.img');
    await fsp.writeFile(image, Buffer.alloc(6 << 20, 1));
    const small = await attach('small.img', 4 << 20);
    const ro = await attach('ro.img', 16 << 20, { readOnly: true });
    const fine = await attach('fine.img', 16 << 20);
    const out = join(dir, 'out.img');
    const res = await assessTargets([rootDisk(), big, small, ro, fine, out, join(dir, 'nope', 'x.img')], { imagePath: image, imageSize: 6 << 20 });
    const codes = res.map((r) => r.refusals.map((x) => x.code));
    // The system disk and `big` are mounted: busy (README "Safety"), unless the user lets us unmount.
    expect(codes).toEqual([['E_TARGET_SYSTEM', 'E_TARGET_BUSY'], ['E_TARGET_HOLDS_SOURCE', 'E_TARGET_BUSY'], ['E_TOO_SMALL'], ['E_TARGET_READONLY'], [], [], ['E_TARGET_MISSING']]);
    expect(res[2]?.refusals[0]?.shortfall).toBe(2 << 20);
    expect(res[2]?.refusals[0]?.message).toContain('short by 2097152 bytes (2.00 MiB)');
    const unmounting = await assessTargets([big], { imagePath: image, imageSize: 6 << 20, unmount: true });
    expect(unmounting[0]?.refusals.map((x) => x.code)).toEqual(['E_TARGET_HOLDS_SOURCE']);
    expect(unmounting[0]?.warnings.map((w) => w.code)).toContain('W_MOUNTED');
    // Allowed as a system drive, it is still mounted (at /): busy, not "system".
    const allowed = await assessTargets([rootDisk()], { allowSystemDrive: true });
    expect(allowed[0]?.refusals.map((x) => x.code)).toEqual(['E_TARGET_BUSY']);
  });

  it('refuses a loop device over the source file itself', async () => {
    const loop = await attach('self.img', 8 << 20);
    const res = await assessTargets([loop], { imagePath: join(dir, 'self.img') });
    expect(res[0]?.refusals.map((r) => r.code)).toEqual(['E_TARGET_HOLDS_SOURCE']);
  });

  it('prepareTarget unmounts the target (checked with findmnt)', async () => {
    const loop = await attach('mounted.img', 16 << 20);
    shSyncOk('mkfs.ext4', ['-q', loop]);
    const mnt = join(dir, 'mnt2');
    await fsp.mkdir(mnt);
    shSyncOk('mount', [loop, mnt]);
    mounts.push(mnt);
    expect(sh('findmnt', ['-n', '-o', 'SOURCE', mnt])).toBe(loop);
    const r = await prepareTarget(loop);
    expect(r.unmounted).toEqual([mnt]);
    mounts.splice(mounts.indexOf(mnt), 1);
    expect(shSync('findmnt', ['-n', mnt]).code).not.toBe(0);
    await expect(prepareTarget(rootDisk())).rejects.toMatchObject({ code: 'E_TARGET_SYSTEM' });
  });
});

describe('3os detection (partition + FAT modules)', () => {
  it('flags a loop device holding a 3os layout with its image.json version; plain disks are not flagged', async () => {
    const loop = await attach('3os.img', 64 << 20);
    const plain = await attach('plain.img', 8 << 20);
    const img = join(dir, '3os.img');
    sh('sgdisk', ['-n', '1:2048:+16M', '-c', '1:3os-boot', '-n', '2:0:+8M', '-c', '2:3os-config', '-n', '3:0:+16M', '-c', '3:3os-root-a', loop]);
    const part = JSON.parse(sh('sfdisk', ['-J', loop])) as { partitiontable: { partitions: { start: number; size: number }[] } };
    const cfg = part.partitiontable.partitions[1];
    if (cfg === undefined) throw new Error('no config partition');
    const cfgLoop = await attachLoop(img, { offset: cfg.start * 512, sizeLimit: cfg.size * 512 });
    sh('mkfs.fat', ['-n', '3OS-CONFIG', cfgLoop]);
    await fsp.writeFile(join(dir, 'image.json'), JSON.stringify({ flavor: '3os-edge', version: '1.4.2', boards: ['rpi-cm4'] }));
    shSyncOk('mmd', ['-i', cfgLoop, '::3os']);
    shSyncOk('mcopy', ['-i', cfgLoop, join(dir, 'image.json'), '::3os/image.json']);
    await detachLoop(cfgLoop);
    const { detect3os } = await import('../../provisioning/detect/detect-3os.js');
    const { drives } = await listDriveEntries({ includeLoop: true, detect3os });
    expect(drives.find((d) => d.device === loop)?.threeOs).toEqual({ version: '3os-edge 1.4.2', board: 'rpi-cm4', partitions: ['3os-boot', '3os-config', '3os-root-a'] });
    expect(drives.find((d) => d.device === loop)?.partitionTable).toBe('gpt');
    expect(drives.find((d) => d.device === plain)?.threeOs).toBeUndefined();
    const res = await assessTargets([loop], { detect3os });
    expect(res[0]?.warnings.map((w) => w.code)).toContain('W_HOLDS_3OS');
    await detachLoop(loop);
    await detachLoop(plain);
  });
});

describe('hot-plug watcher', () => {
  it('sees a loop device attached and detached within 2 s each', async () => {
    const events: { e: DriveEvent; t: number }[] = [];
    const w = watchDrives((e) => events.push({ e, t: Date.now() }), { includeLoop: true });
    let loop: string | undefined;
    try {
      await w.ready;
      const file = join(dir, 'hot.img');
      await fsp.writeFile(file, Buffer.alloc(0));
      await fsp.truncate(file, 8 << 20);
      const t0 = Date.now();
      loop = await attachLoop(file);
      const dev = loop;
      await expect.poll(() => events.find((x) => x.e.type === 'added' && x.e.entry.id === dev), { timeout: 2000, interval: 50 }).toBeDefined();
      const added = events.find((x) => x.e.type === 'added' && x.e.entry.id === dev);
      expect((added?.t ?? Infinity) - t0).toBeLessThan(2000);
      const t1 = Date.now();
      await detachLoop(dev);
      loop = undefined;
      await expect.poll(() => events.find((x) => x.e.type === 'removed' && x.e.entry.id === dev), { timeout: 2000, interval: 50 }).toBeDefined();
      const removed = events.find((x) => x.e.type === 'removed' && x.e.entry.id === dev);
      expect((removed?.t ?? Infinity) - t1).toBeLessThan(2000);
      // No storm: exactly one added and one removed event for this device.
      expect(events.filter((x) => x.e.entry.id === dev).map((x) => x.e.type)).toEqual(['added', 'removed']);
    } finally {
      if (loop !== undefined) await detachLoop(loop);
      await w.stop();
    }
  });
});

describe("the app's drive check and its plans agree on mounted drives", () => {
  it('a mounted drive is a warning (it will be unmounted) in the app, as its flash plan unmounts it', async () => {
    const dev = await attach('app-mounted.img', 32 << 20);
    shSyncOk('mkfs.ext4', ['-q', dev]);
    const mnt = join(dir, 'app-mnt');
    await fsp.mkdir(mnt);
    shSyncOk('mount', [dev, mnt]);
    mounts.push(mnt);
    const [view] = await new DrivesService().assess({ targets: [dev] });
    expect(view?.refusals).toEqual([]);
    expect(view?.warnings.map((w) => w.code)).toContain('W_MOUNTED');
    expect(appFlashPlan({ image: '/x.img', targets: [dev], grow: true }).unmount).toBe(true);
  });
});
