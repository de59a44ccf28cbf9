// Pure parsers and classifiers: mountinfo, swaps, bus, partition table, sizes, USB boot ids, diff.
import { describe, expect, it } from 'vitest';
import { parseMountinfo, parseSwaps } from '../../../../flasher/drives/mountinfo.js';
import { humanBytes } from '../../../../common/bytes.js';
import { classifyBus, isListableDiskName, partitionTableFromBytes } from '../../../../flasher/drives/bus.js';
import { usbBootEntry } from '../../../../flasher/drives/usb-boot.js';
import { diffEntries } from '../../../../flasher/drives/watcher.js';
import { decodeDev } from '../../../../flasher/drives/list.js';
import type { UsbBootDevice } from '../../../../flasher/drives/types.js';

describe('parseMountinfo / parseSwaps', () => {
  it('reads devno, mount point (unescaped), fstype and source; skips junk', () => {
    const text = [
      '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
      '30 27 8:17 / /media/a\\040b rw,nosuid shared:5 master:1 - vfat /dev/sdb1 rw',
      'garbage line',
      '',
    ].join('\n');
    expect(parseMountinfo(text)).toEqual([
      { devno: '254:0', mountpoint: '/', fstype: 'ext4', source: '/dev/vda' },
      { devno: '8:17', mountpoint: '/media/a b', fstype: 'vfat', source: '/dev/sdb1' },
    ]);
  });
  it('reads swaps after the header', () => {
    expect(parseSwaps('Filename Type Size Used Priority\n/dev/sda3 partition 100 0 -2\n')).toEqual([{ path: '/dev/sda3', type: 'partition' }]);
    expect(parseSwaps('Filename Type Size Used Priority\n')).toEqual([]);
  });
});

describe('classifyBus', () => {
  const rows: [string, string, string | undefined, string][] = [
    ['sdb', '/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb', undefined, 'usb'],
    ['sda', '/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda', undefined, 'sata'],
    ['mmcblk0', '/sys/devices/platform/emmc2bus/fe340000.mmc/mmc_host/mmc0/mmc0:aaaa/block/mmcblk0', 'SD', 'sd'],
    ['mmcblk1', '/sys/devices/platform/soc/mmc1/mmc_host/mmc1/mmc1:0001/block/mmcblk1', 'MMC', 'emmc'],
    ['mmcblk0', '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/block/mmcblk0', 'SD', 'usb'],
    ['nvme0n1', '/sys/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1', undefined, 'nvme'],
    ['vda', '/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda', undefined, 'virtio'],
    ['loop3', '/sys/devices/virtual/block/loop3', undefined, 'loop'],
    ['nbd0', '/sys/devices/virtual/block/nbd0', undefined, 'nbd'],
    ['sdc', '/sys/devices/pci0000:00/0000:00:1f.2/host2/target2:0:0/2:0:0:0/block/sdc', undefined, 'scsi'],
  ];
  for (const [name, path, type, bus] of rows) it(`${name} -> ${bus}`, () => expect(classifyBus(name, path, type)).toBe(bus));
  it('never lists RAM disks, dm, md, optical', () => {
    expect(['zram0', 'ram0', 'dm-0', 'md127', 'sr0', 'fd0'].filter(isListableDiskName)).toEqual([]);
    expect(['sda', 'mmcblk0', 'nvme0n1', 'loop0', 'vda'].every(isListableDiskName)).toBe(true);
  });
});

describe('partitionTableFromBytes', () => {
  const blank = (): Buffer => Buffer.alloc(4104);
  it('GPT at LBA 1 for 512 and 4096-byte sectors', () => {
    const a = blank();
    a.write('EFI PART', 512, 'latin1');
    expect(partitionTableFromBytes(a)).toBe('gpt');
    const b = blank();
    b.write('EFI PART', 4096, 'latin1');
    expect(partitionTableFromBytes(b)).toBe('gpt');
  });
  it('MBR with a used entry; not a FAT superfloppy; not an empty MBR', () => {
    const m = blank();
    m[510] = 0x55;
    m[511] = 0xaa;
    expect(partitionTableFromBytes(m)).toBeUndefined();
    m[446 + 4] = 0x0c;
    expect(partitionTableFromBytes(m)).toBe('mbr');
    m.write('FAT32   ', 0x52, 'latin1');
    expect(partitionTableFromBytes(m)).toBeUndefined();
    const bad = blank();
    bad[510] = 0x55;
    bad[511] = 0xaa;
    bad[446] = 0x12;
    bad[446 + 4] = 0x83;
    expect(partitionTableFromBytes(bad)).toBeUndefined();
    expect(partitionTableFromBytes(Buffer.alloc(100))).toBeUndefined();
  });
});

describe('humanBytes / decodeDev', () => {
  it('formats', () => {
    expect(humanBytes(0)).toBe('0 B');
    expect(humanBytes(1023)).toBe('1023 B');
    expect(humanBytes(1536)).toBe('1.50 KiB');
    expect(humanBytes(32 * 1024 ** 3)).toBe('32.0 GiB');
    expect(humanBytes(256 * 1024 ** 3)).toBe('256 GiB');
  });
  it('decodes Linux dev_t (small and large majors/minors)', () => {
    expect(decodeDev(0xfe00)).toBe('254:0');
    expect(decodeDev(0x811)).toBe('8:17');
    expect(decodeDev(259 * 256 + 3)).toBe('259:3');
    // minor 300 uses the high minor bits: dev = (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)
    expect(decodeDev((300 & 0xff) | (8 << 8) | ((300 & ~0xff) << 12))).toBe('8:300');
  });
});

describe('usbBootEntry', () => {
  const rows: [string, string, boolean][] = [
    ['0a5c', '2763', true],
    ['0a5c', '2764', true],
    ['0a5c', '2711', true],
    ['0a5c', '2712', true],
    ['0a5c', '21e8', false],
    ['0781', '2711', false],
  ];
  for (const [v, p, hit] of rows) {
    it(`${v}:${p} -> ${hit ? 'USB boot' : 'ignored'}`, () => {
      const e = usbBootEntry('1-1.3', v, p);
      expect(e !== undefined).toBe(hit);
      if (e !== undefined) {
        expect(e.id).toBe('usb:1-1.3');
        expect(e.description).toContain('needs USB boot');
        expect(e.description).toContain('eMMC');
      }
    });
  }
});

describe('diffEntries', () => {
  const pi = (id: string, chip = 'x'): UsbBootDevice => ({ kind: 'usbboot', id, vendorId: 0x0a5c, productId: 0x2711, chip, description: chip });
  it('added, removed, changed; nothing for identical lists', () => {
    expect(diffEntries([pi('a'), pi('b')], [pi('a'), pi('b')])).toEqual([]);
    const ev = diffEntries([pi('a'), pi('b')], [pi('b', 'y'), pi('c')]);
    expect(ev.map((e) => `${e.type}:${e.entry.id}`)).toEqual(['removed:a', 'changed:b', 'added:c']);
  });
});
