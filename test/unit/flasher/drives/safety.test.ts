// Table-driven tests of every drive-safety predicate (refusals and warnings).
import { describe, expect, it } from 'vitest';
import { checkTarget, holdsSource, capacityOf, DEFAULT_LARGE_DRIVE_BYTES, type TargetContext } from '../../../../flasher/drives/safety.js';
import type { Drive } from '../../../../flasher/drives/types.js';

const GB = 1_000_000_000;

function drive(over: Partial<Drive> = {}): Drive {
  return {
    kind: 'disk',
    id: '/dev/sdb',
    device: '/dev/sdb',
    size: 32 * GB,
    sectorSize: 512,
    description: 'SanDisk Ultra',
    model: 'Ultra',
    vendor: 'SanDisk',
    serial: 'ABC',
    bus: 'usb',
    removable: true,
    readOnly: false,
    system: false,
    systemReasons: [],
    mountpoints: [],
    partitions: ['/dev/sdb1'],
    holders: [],
    partitionTable: 'mbr',
    ...over,
  };
}

interface Row {
  readonly name: string;
  readonly drive: Drive;
  readonly ctx?: TargetContext;
  readonly refusals: readonly string[];
  readonly warnings?: readonly string[];
}

const rows: readonly Row[] = [
  { name: 'a plain USB stick, image fits', drive: drive(), ctx: { imageSize: 4 * GB }, refusals: [] },
  { name: 'system drive', drive: drive({ system: true, systemReasons: ['/ on sdb'] }), refusals: ['E_TARGET_SYSTEM'] },
  { name: 'system drive allowed by typed confirmation', drive: drive({ system: true, systemReasons: ['/ on sdb'] }), ctx: { allowSystemDrive: true }, refusals: [] },
  { name: 'read-only (SD lock switch)', drive: drive({ readOnly: true, bus: 'sd' }), refusals: ['E_TARGET_READONLY'] },
  { name: 'too small', drive: drive({ size: 4 * GB }), ctx: { imageSize: 4 * GB + 1 }, refusals: ['E_TOO_SMALL'] },
  { name: 'exactly the image size fits', drive: drive({ size: 4 * GB }), ctx: { imageSize: 4 * GB }, refusals: [] },
  { name: 'unknown image size: no size refusal', drive: drive({ size: 1 }), ctx: {}, refusals: [] },
  { name: 'holds the source (source disk by st_dev)', drive: drive(), ctx: { sourceDisks: ['/dev/sdb'], sourcePath: '/media/x/a.img' }, refusals: ['E_TARGET_HOLDS_SOURCE'] },
  {
    name: 'holds the source (no sysfs: the mount point holding the source is on the drive)',
    drive: drive({ mountpoints: [{ device: '/dev/sdb1', path: '/media/x' }] }),
    ctx: { sourcePath: '/media/x/a.img', sourceMount: '/media/x', unmount: true },
    refusals: ['E_TARGET_HOLDS_SOURCE'],
    warnings: ['W_MOUNTED'],
  },
  { name: 'source held by another mount', drive: drive({ mountpoints: [{ device: '/dev/sdb1', path: '/media/x' }] }), ctx: { sourcePath: '/media/xy/a.img', sourceMount: '/media/xy', unmount: true }, refusals: [], warnings: ['W_MOUNTED'] },
  { name: 'drive mounted at / does not hold a source that sits on another disk', drive: drive({ mountpoints: [{ device: '/dev/sdb', path: '/' }] }), ctx: { sourcePath: '/mnt/x/a.img', sourceDisks: ['/dev/loop1'], unmount: true }, refusals: [], warnings: ['W_MOUNTED'] },
  { name: 'mounted, not allowed to unmount: refused busy, no warning', drive: drive({ mountpoints: [{ device: '/dev/sdb1', path: '/media/x' }] }), refusals: ['E_TARGET_BUSY'], warnings: [] },
  { name: 'mounted, unmount explicitly off: refused busy', drive: drive({ mountpoints: [{ device: '/dev/sdb1', path: '/media/x' }] }), ctx: { unmount: false }, refusals: ['E_TARGET_BUSY'], warnings: [] },
  { name: 'mounted, unmount allowed: a warning that it will be unmounted', drive: drive({ mountpoints: [{ device: '/dev/sdb1', path: '/media/x' }] }), ctx: { unmount: true }, refusals: [], warnings: ['W_MOUNTED'] },
  { name: 'not mounted: unmount changes nothing', drive: drive(), ctx: { unmount: true }, refusals: [], warnings: [] },
  { name: '512-byte GPT image on a 4Kn drive: refused', drive: drive({ sectorSize: 4096 }), ctx: { imageSectorSize: 512 }, refusals: ['E_PARTITION_TABLE'] },
  { name: '4K GPT image on a 512-byte drive: refused', drive: drive(), ctx: { imageSectorSize: 4096 }, refusals: ['E_PARTITION_TABLE'] },
  { name: 'matching sector size fits', drive: drive({ sectorSize: 4096 }), ctx: { imageSectorSize: 4096 }, refusals: [] },
  { name: 'unknown image sector size: no sector refusal', drive: drive({ sectorSize: 4096 }), ctx: {}, refusals: [] },
  { name: 'file target: any image sector size', drive: drive({ kind: 'file', id: '/o.img', device: '/o.img', bus: 'file', sectorSize: 512, freeBytes: 100 * GB }), ctx: { imageSectorSize: 4096 }, refusals: [] },
  { name: 'loop device over the source file', drive: drive({ kind: 'loop', id: '/dev/loop3', device: '/dev/loop3', bus: 'loop', backingFile: '/tmp/a.img' }), ctx: { sourcePath: '/tmp/a.img' }, refusals: ['E_TARGET_HOLDS_SOURCE'] },
  { name: 'file target that is the source file', drive: drive({ kind: 'file', id: '/tmp/a.img', device: '/tmp/a.img', bus: 'file', freeBytes: 100 * GB }), ctx: { sourcePath: '/tmp/a.img' }, refusals: ['E_TARGET_HOLDS_SOURCE'] },
  { name: 'held by active LVM', drive: drive({ holders: ['dm-3'] }), refusals: ['E_TARGET_BUSY'] },
  { name: 'large drive warns', drive: drive({ size: DEFAULT_LARGE_DRIVE_BYTES + 1, removable: false, bus: 'sata' }), refusals: [], warnings: ['W_LARGE_DRIVE'] },
  { name: 'exactly the threshold does not warn', drive: drive({ size: DEFAULT_LARGE_DRIVE_BYTES }), refusals: [], warnings: [] },
  { name: 'custom threshold', drive: drive({ size: 32 * GB }), ctx: { largeDriveThreshold: 16 * GB }, refusals: [], warnings: ['W_LARGE_DRIVE'] },
  { name: 'already holds 3os', drive: drive({ threeOs: { version: '3os 1.2' } }), refusals: [], warnings: ['W_HOLDS_3OS'] },
  { name: 'file target: too little free space', drive: drive({ kind: 'file', id: '/o.img', device: '/o.img', bus: 'file', size: 0, freeBytes: GB, exists: false }), ctx: { imageSize: 2 * GB }, refusals: ['E_TOO_SMALL'] },
  { name: 'file target: existing file size counts as room', drive: drive({ kind: 'file', id: '/o.img', device: '/o.img', bus: 'file', size: GB, freeBytes: GB, exists: true }), ctx: { imageSize: 2 * GB }, refusals: [], warnings: ['W_FILE_EXISTS'] },
  { name: 'file target: never warned as large', drive: drive({ kind: 'file', id: '/o.img', device: '/o.img', bus: 'file', size: 500 * GB, freeBytes: 0, exists: true }), refusals: [], warnings: ['W_FILE_EXISTS'] },
  {
    name: 'everything wrong at once: all reasons reported',
    drive: drive({ system: true, readOnly: true, holders: ['md0'], size: GB, sectorSize: 4096, mountpoints: [{ device: '/dev/sdb1', path: '/' }] }),
    ctx: { imageSize: 2 * GB, sourcePath: '/srv/a.img', sourceMount: '/', imageSectorSize: 512 },
    refusals: ['E_TARGET_SYSTEM', 'E_TARGET_HOLDS_SOURCE', 'E_TARGET_READONLY', 'E_TARGET_BUSY', 'E_TARGET_BUSY', 'E_TOO_SMALL', 'E_PARTITION_TABLE'],
    warnings: [],
  },
  {
    name: 'everything wrong at once, unmount allowed: mounted is a warning, the rest still refused',
    drive: drive({ system: true, readOnly: true, holders: ['md0'], size: GB, mountpoints: [{ device: '/dev/sdb1', path: '/' }] }),
    ctx: { imageSize: 2 * GB, sourcePath: '/srv/a.img', sourceMount: '/', unmount: true },
    refusals: ['E_TARGET_SYSTEM', 'E_TARGET_HOLDS_SOURCE', 'E_TARGET_READONLY', 'E_TARGET_BUSY', 'E_TOO_SMALL'],
    warnings: ['W_MOUNTED'],
  },
];

describe('checkTarget', () => {
  for (const r of rows) {
    it(r.name, () => {
      const res = checkTarget(r.drive, r.ctx);
      expect(res.refusals.map((x) => x.code)).toEqual(r.refusals);
      if (r.warnings !== undefined) expect(res.warnings.map((x) => x.code)).toEqual(r.warnings);
      for (const x of res.refusals) expect(x.message).toContain(r.drive.device);
    });
  }

  it('E_TOO_SMALL states the exact shortfall in bytes and human units', () => {
    const res = checkTarget(drive({ size: 3_965_190_144 }), { imageSize: 4_294_967_296 });
    const r = res.refusals[0];
    expect(r?.code).toBe('E_TOO_SMALL');
    expect(r?.shortfall).toBe(4_294_967_296 - 3_965_190_144);
    expect(r?.message).toContain('short by 329777152 bytes (315 MiB)');
    expect(r?.message).toContain('3.69 GiB (3965190144 bytes)');
  });

  it('a mounted refusal names the mount points and the way out (--unmount)', () => {
    const res = checkTarget(drive({ mountpoints: [{ device: '/dev/sdb1', path: '/media/a' }, { device: '/dev/sdb2', path: '/media/b' }] }));
    expect(res.refusals).toHaveLength(1);
    expect(res.refusals[0]?.message).toContain('/media/a, /media/b');
    expect(res.refusals[0]?.message).toContain('--unmount');
  });

  it('system refusal carries the reasons', () => {
    const res = checkTarget(drive({ system: true, systemReasons: ['/ via dm-0 -> sda2 -> sda'] }));
    expect(res.refusals[0]?.message).toContain('/ via dm-0 -> sda2 -> sda');
  });
});

describe('holdsSource / capacityOf', () => {
  it('no source path and no source disks: never holds', () => {
    expect(holdsSource(drive({ mountpoints: [{ device: '/dev/sdb1', path: '/' }] }), {})).toBe(false);
  });
  it('matches a target by id as well as device path', () => {
    expect(holdsSource(drive({ id: '/dev/sdb', device: '/dev/disk/by-id/usb-x' }), { sourceDisks: ['/dev/sdb'] })).toBe(true);
  });
  it('file capacity is unknown without free space', () => {
    expect(capacityOf(drive({ kind: 'file', freeBytes: undefined }))).toBeUndefined();
    expect(capacityOf(drive({ size: 7 }))).toBe(7);
  });
});
