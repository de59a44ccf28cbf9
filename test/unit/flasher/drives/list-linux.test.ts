// The Linux drive list on a fixture tree: bus, model, serial, flags, mounts, loop devices.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { listLinuxDrives } from '../../../../flasher/drives/list-linux.js';
import { listDriveEntries } from '../../../../flasher/drives/list.js';
import { buildFixture, mi, type Fixture } from './fixture-tree.js';

const GiB = 2 * 1024 * 1024;
let fx: Fixture;

beforeAll(async () => {
  fx = await buildFixture(
    [
      {
        name: 'sda',
        devno: '8:0',
        sectors: 100 * GiB,
        devicePath: 'pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block',
        files: { 'device/model': 'Samsung SSD 870  \n', 'device/vendor': 'ATA     \n' },
        partitions: [
          { name: 'sda1', devno: '8:1', sectors: GiB },
          { name: 'sda2', devno: '8:2', sectors: 99 * GiB, holders: ['dm-0'] },
        ],
      },
      { name: 'dm-0', devno: '254:0', sectors: 99 * GiB, slaves: ['sda2'], dmName: 'vg-root' },
      {
        name: 'sdb',
        devno: '8:16',
        sectors: 32 * GiB,
        removable: true,
        devicePath: 'pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/host6/target6:0:0/6:0:0:0/block',
        files: { 'device/model': 'Ultra\n', 'device/vendor': 'SanDisk \n' },
        partitions: [{ name: 'sdb1', devno: '8:17', sectors: 32 * GiB - 2048 }],
      },
      { name: 'mmcblk0', devno: '179:0', sectors: 16 * GiB, ro: true, files: { 'device/type': 'SD\n', 'device/name': 'SC16G\n', 'device/serial': '0x1234abcd\n' } },
      { name: 'mmcblk1', devno: '179:8', sectors: 8 * GiB, files: { 'device/type': 'MMC\n', 'device/name': 'BJTD4R\n' } },
      { name: 'loop0', devno: '7:0', sectors: 2048, files: { 'loop/backing_file': '/tmp/a b.img\n' } },
      { name: 'loop1', devno: '7:1', sectors: 0 },
      { name: 'zram0', devno: '253:0', sectors: 8 * GiB },
      { name: 'sr0', devno: '11:0', sectors: 0 },
    ],
    mi(20, '254:0', '/', '/dev/mapper/vg-root') + mi(21, '8:1', '/boot/efi', '/dev/sda1', 'vfat') + mi(22, '8:17', '/media/me/MY\\040STICK', '/dev/sdb1', 'vfat'),
  );
  // The USB device dir (parent of the interface) carries the serial number.
  const usbDev = join(fx.root, 'sys', 'devices', 'pci0000:00/0000:00:14.0/usb1/1-2');
  await fsp.writeFile(join(usbDev, 'idVendor'), '0781\n');
  await fsp.writeFile(join(usbDev, 'serial'), '4C530001230517115384\n');
});
afterAll(async () => {
  await fx.cleanup();
});

describe('listLinuxDrives (fixture)', () => {
  it('lists whole disks only, loop devices only when asked, skips RAM/dm/optical/empty', async () => {
    const names = (await listLinuxDrives({ root: fx.root })).map((d) => d.device);
    expect(names).toEqual(['/dev/mmcblk0', '/dev/mmcblk1', '/dev/sda', '/dev/sdb']);
    const withLoop = (await listLinuxDrives({ root: fx.root, includeLoop: true })).map((d) => d.device);
    expect(withLoop).toEqual(['/dev/loop0', '/dev/mmcblk0', '/dev/mmcblk1', '/dev/sda', '/dev/sdb']);
  });

  it('describes each drive from sysfs', async () => {
    const drives = await listLinuxDrives({ root: fx.root, includeLoop: true });
    const by = new Map(drives.map((d) => [d.device, d]));
    const sda = by.get('/dev/sda');
    expect(sda).toMatchObject({ bus: 'sata', system: true, removable: false, model: 'Samsung SSD 870', vendor: 'ATA', holders: ['dm-0'], size: 100 * GiB * 512 });
    expect(sda?.systemReasons).toEqual(['/ via dm-0 -> sda2 -> sda', '/boot/efi via sda1 -> sda']);
    expect(sda?.mountpoints).toEqual([
      { device: '/dev/mapper/vg-root', path: '/' },
      { device: '/dev/sda1', path: '/boot/efi' },
    ]);
    expect(sda?.partitions).toEqual(['/dev/sda1', '/dev/sda2']);
    const sdb = by.get('/dev/sdb');
    expect(sdb).toMatchObject({ bus: 'usb', system: false, removable: true, serial: '4C530001230517115384', description: 'SanDisk Ultra' });
    expect(sdb?.mountpoints).toEqual([{ device: '/dev/sdb1', path: '/media/me/MY STICK' }]);
    expect(by.get('/dev/mmcblk0')).toMatchObject({ bus: 'sd', readOnly: true, model: 'SC16G', serial: '0x1234abcd', system: false });
    expect(by.get('/dev/mmcblk1')).toMatchObject({ bus: 'emmc', system: false });
    expect(by.get('/dev/loop0')).toMatchObject({ kind: 'loop', bus: 'loop', backingFile: '/tmp/a b.img', description: 'Loop device for /tmp/a b.img' });
  });

  it('runs the detect3os hook and ignores its failures', async () => {
    const { drives } = await listDriveEntries({
      root: fx.root,
      detect3os: (p) => (p === '/dev/sdb' ? Promise.resolve({ version: '3os 1.0' }) : Promise.reject(new Error('unreadable'))),
    });
    expect(drives.find((d) => d.device === '/dev/sdb')?.threeOs).toEqual({ version: '3os 1.0' });
    expect(drives.filter((d) => d.threeOs !== undefined)).toHaveLength(1);
  });
});
