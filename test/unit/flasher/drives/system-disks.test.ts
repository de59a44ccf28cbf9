// The system-disk resolver on fixture sysfs trees: LVM, dm-crypt, md RAID, swap, btrfs, eMMC.
import { afterEach, describe, expect, it } from 'vitest';
import { readBlockTree, disksUnder, holdersAbove } from '../../../../flasher/drives/sysfs.js';
import { parseMountinfo, parseSwaps } from '../../../../flasher/drives/mountinfo.js';
import { resolveSystemDisks, disksUnderDevno, mountHolding } from '../../../../flasher/drives/system-disks.js';
import { buildFixture, mi, type FakeDisk, type Fixture } from './fixture-tree.js';

const GiB = 2 * 1024 * 1024; // sectors

const sdaLvm: FakeDisk = {
  name: 'sda',
  devno: '8:0',
  sectors: 500 * GiB,
  devicePath: 'pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block',
  partitions: [
    { name: 'sda1', devno: '8:1', sectors: GiB },
    { name: 'sda2', devno: '8:2', sectors: 499 * GiB, holders: ['dm-0'] },
  ],
};
const dm0: FakeDisk = { name: 'dm-0', devno: '254:0', sectors: 499 * GiB, slaves: ['sda2'], dmName: 'vg-root' };
const usbStick: FakeDisk = {
  name: 'sdb',
  devno: '8:16',
  sectors: 32 * GiB,
  removable: true,
  devicePath: 'pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/host6/target6:0:0/6:0:0:0/block',
  partitions: [{ name: 'sdb1', devno: '8:17', sectors: 32 * GiB - 2048 }],
};
const sdCard: FakeDisk = {
  name: 'mmcblk0',
  devno: '179:0',
  sectors: 16 * GiB,
  files: { 'device/type': 'SD\n' },
  partitions: [{ name: 'mmcblk0p1', devno: '179:1', sectors: 256 * 2048 }],
};

interface Case {
  readonly name: string;
  readonly disks: readonly FakeDisk[];
  readonly mounts: string;
  readonly swaps?: string;
  /** disk -> substrings its reasons must contain */
  readonly system: Readonly<Record<string, readonly string[]>>;
}

const cases: readonly Case[] = [
  {
    name: '/ on LVM over a partition (dm-0 -> sda2 -> sda), /boot/efi on sda1; USB stick and SD card mounted elsewhere',
    disks: [sdaLvm, dm0, usbStick, sdCard],
    mounts:
      mi(20, '254:0', '/', '/dev/mapper/vg-root') +
      mi(21, '8:1', '/boot/efi', '/dev/sda1', 'vfat') +
      mi(22, '8:17', '/media/me/STICK', '/dev/sdb1', 'vfat') +
      mi(23, '179:1', '/media/me/boot', '/dev/mmcblk0p1', 'vfat'),
    system: { sda: ['/ via dm-0 -> sda2 -> sda', '/boot/efi via sda1 -> sda'] },
  },
  {
    name: '/ on md RAID1 over two disks: both are system',
    disks: [
      { name: 'sda', devno: '8:0', sectors: GiB, partitions: [{ name: 'sda1', devno: '8:1', sectors: GiB - 2048, holders: ['md0'] }] },
      { name: 'sdb', devno: '8:16', sectors: GiB, partitions: [{ name: 'sdb1', devno: '8:17', sectors: GiB - 2048, holders: ['md0'] }] },
      { name: 'md0', devno: '9:0', sectors: GiB - 4096, slaves: ['sda1', 'sdb1'] },
      { ...usbStick, name: 'sdc', devno: '8:32', partitions: [] },
    ],
    mounts: mi(20, '9:0', '/', '/dev/md0'),
    system: { sda: ['/ via md0 -> sda1 -> sda'], sdb: ['/ via md0 -> sdb1 -> sdb'] },
  },
  {
    name: 'LVM on dm-crypt on an NVMe partition (two levels of dm)',
    disks: [
      { name: 'nvme0n1', devno: '259:0', sectors: 100 * GiB, partitions: [{ name: 'nvme0n1p3', devno: '259:3', sectors: 99 * GiB, holders: ['dm-0'] }] },
      { name: 'dm-0', devno: '254:0', sectors: 99 * GiB, slaves: ['nvme0n1p3'], holders: ['dm-1'], dmName: 'cryptroot' },
      { name: 'dm-1', devno: '254:1', sectors: 98 * GiB, slaves: ['dm-0'], dmName: 'vg-root' },
    ],
    mounts: mi(20, '254:1', '/', '/dev/mapper/vg-root'),
    system: { nvme0n1: ['/ via dm-1 -> dm-0 -> nvme0n1p3 -> nvme0n1'] },
  },
  {
    name: 'swap partition on a second disk makes that disk system; a swap file counts for the disk holding it',
    disks: [
      { name: 'vda', devno: '254:0', sectors: GiB },
      { name: 'sdc', devno: '8:32', sectors: GiB, partitions: [{ name: 'sdc2', devno: '8:34', sectors: GiB / 2 }] },
      { name: 'sdd', devno: '8:48', sectors: GiB, partitions: [{ name: 'sdd1', devno: '8:49', sectors: GiB / 2 }] },
    ],
    mounts: mi(20, '254:0', '/', '/dev/vda') + mi(21, '8:49', '/srv', '/dev/sdd1'),
    swaps: 'Filename\tType\tSize\tUsed\tPriority\n/dev/sdc2 partition 1048572 0 -2\n/srv/swap\\040file file 1048572 0 -3\n',
    system: { vda: ['/ on vda'], sdc: ['swap /dev/sdc2 via sdc2 -> sdc'], sdd: ['swap file /srv/swap file via sdd1 -> sdd'] },
  },
  {
    name: 'btrfs root with an anonymous device number is found by its source path',
    disks: [{ name: 'nvme0n1', devno: '259:0', sectors: GiB, partitions: [{ name: 'nvme0n1p2', devno: '259:2', sectors: GiB / 2 }] }, usbStick],
    mounts: mi(20, '0:35', '/', '/dev/nvme0n1p2', 'btrfs'),
    system: { nvme0n1: ['/ via nvme0n1p2 -> nvme0n1'] },
  },
  {
    name: 'Pi booted from USB: the internal eMMC is not system, the USB disk is',
    disks: [
      { ...usbStick, partitions: [{ name: 'sdb1', devno: '8:17', sectors: 512 * 2048 }, { name: 'sdb2', devno: '8:18', sectors: GiB }] },
      { name: 'mmcblk0', devno: '179:0', sectors: 32 * GiB, files: { 'device/type': 'MMC\n' }, partitions: [{ name: 'mmcblk0p1', devno: '179:1', sectors: GiB }] },
    ],
    mounts: mi(20, '8:18', '/', '/dev/sdb2') + mi(21, '8:17', '/boot', '/dev/sdb1', 'vfat'),
    system: { sdb: ['/ via sdb2 -> sdb', '/boot via sdb1 -> sdb'] },
  },
  {
    name: 'nothing system when / is an overlay without a block device (container)',
    disks: [usbStick],
    mounts: '20 1 0:50 / / rw - overlay overlay rw\n',
    system: {},
  },
];

describe('resolveSystemDisks on fixture trees', () => {
  let fx: Fixture | undefined;
  afterEach(async () => {
    await fx?.cleanup();
    fx = undefined;
  });

  for (const c of cases) {
    it(c.name, async () => {
      fx = await buildFixture(c.disks, c.mounts, c.swaps);
      const tree = await readBlockTree(fx.root);
      const sys = resolveSystemDisks(tree, parseMountinfo(c.mounts), parseSwaps(c.swaps ?? 'h\n'));
      expect([...sys.keys()].sort()).toEqual(Object.keys(c.system).sort());
      for (const [disk, reasons] of Object.entries(c.system)) {
        for (const r of reasons) expect(sys.get(disk)).toContain(r);
      }
    });
  }
});

describe('sysfs graph helpers', () => {
  let fx: Fixture | undefined;
  afterEach(async () => {
    await fx?.cleanup();
    fx = undefined;
  });

  it('walks slaves down to whole disks and holders up from a disk', async () => {
    fx = await buildFixture([sdaLvm, dm0, usbStick], '');
    const tree = await readBlockTree(fx.root);
    expect(tree.disks).toEqual(['dm-0', 'sda', 'sdb']);
    expect(tree.byName.get('sda2')?.isPartition).toBe(true);
    expect(tree.byName.get('sda2')?.disk).toBe('sda');
    expect([...disksUnder(tree, 'dm-0').entries()]).toEqual([['sda', ['dm-0', 'sda2', 'sda']]]);
    expect(disksUnderDevno(tree, '8:17')).toEqual(['sdb']);
    expect(disksUnderDevno(tree, '0:99')).toEqual([]);
    expect(holdersAbove(tree, 'sda')).toEqual(['dm-0']);
    expect(holdersAbove(tree, 'sdb')).toEqual([]);
  });

  it('mountHolding picks the longest mount point containing a path', () => {
    const mounts = parseMountinfo(mi(1, '8:1', '/', '/dev/sda1') + mi(2, '8:17', '/media/x', '/dev/sdb1') + mi(3, '8:18', '/media/xy', '/dev/sdb2'));
    expect(mountHolding(mounts, '/media/x/a.img')?.devno).toBe('8:17');
    expect(mountHolding(mounts, '/media/xy/a.img')?.devno).toBe('8:18');
    expect(mountHolding(mounts, '/home/a.img')?.devno).toBe('8:1');
  });
});
