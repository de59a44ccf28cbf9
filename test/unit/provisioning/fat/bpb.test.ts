// Boot sector checks and FAT type detection by cluster count, at the exact spec boundaries.
import { describe, expect, it } from 'vitest';
import { isFlashError } from '../../../../flasher/errors.js';
import { fatTypeForClusters, parseBootSector, parseFsInfo } from '../../../../provisioning/fat/bpb.js';

interface Layout {
  bps?: number;
  spc?: number;
  rsv: number;
  fats?: number;
  rootEnt: number;
  total: number;
  fatSz16?: number;
  fatSz32?: number;
}

/** A boot sector with the given layout (FAT32 style when fatSz32 is set). */
function bootSector(l: Layout): Buffer {
  const b = Buffer.alloc(512);
  b[0] = 0xeb;
  b[1] = 0x3c;
  b[2] = 0x90;
  b.writeUInt16LE(l.bps ?? 512, 11);
  b[13] = l.spc ?? 1;
  b.writeUInt16LE(l.rsv, 14);
  b[16] = l.fats ?? 2;
  b.writeUInt16LE(l.rootEnt, 17);
  if (l.total < 0x10000 && l.fatSz32 === undefined) b.writeUInt16LE(l.total, 19);
  else b.writeUInt32LE(l.total, 32);
  b[21] = 0xf8;
  b.writeUInt16LE(l.fatSz16 ?? 0, 22);
  if (l.fatSz32 !== undefined) {
    b.writeUInt32LE(l.fatSz32, 36);
    b.writeUInt32LE(2, 44);
    b.writeUInt16LE(1, 48);
    b[66] = 0x29;
    b.write('3OS-CONFIG ', 71, 'latin1');
  } else {
    b[38] = 0x29;
    b.write('3OS-CONFIG ', 43, 'latin1');
  }
  b.writeUInt16LE(0xaa55, 510);
  return b;
}

const BIG = 1 << 30;
const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return isFlashError(e) ? e.code : 'not a FlashError';
  }
};

describe('FAT type by cluster count', () => {
  it('uses the spec boundaries 4085 and 65525', () => {
    expect(fatTypeForClusters(1)).toBe('FAT12');
    expect(fatTypeForClusters(4084)).toBe('FAT12');
    expect(fatTypeForClusters(4085)).toBe('FAT16');
    expect(fatTypeForClusters(65524)).toBe('FAT16');
    expect(fatTypeForClusters(65525)).toBe('FAT32');
  });

  it('decides FAT12 / FAT16 from the BPB at the boundary', () => {
    // 1 reserved + 2 x 16 FAT sectors + 32 root sectors = 65 sectors before the data.
    const fat12 = parseBootSector(bootSector({ rsv: 1, rootEnt: 512, total: 65 + 4084, fatSz16: 16 }), BIG);
    expect([fat12.type, fat12.clusterCount, fat12.bpbLabel]).toEqual(['FAT12', 4084, '3OS-CONFIG']);
    const fat16 = parseBootSector(bootSector({ rsv: 1, rootEnt: 512, total: 65 + 4085, fatSz16: 16 }), BIG);
    expect([fat16.type, fat16.clusterCount]).toEqual(['FAT16', 4085]);
    expect(fat16.dataOffset).toBe(65 * 512);
    expect(fat16.rootDirOffset).toBe(33 * 512);
  });

  it('decides FAT16 / FAT32 at the boundary and checks the BPB style agrees', () => {
    const fat16 = parseBootSector(bootSector({ rsv: 1, rootEnt: 512, total: 1 + 512 + 32 + 65524, fatSz16: 256 }), BIG);
    expect([fat16.type, fat16.clusterCount]).toEqual(['FAT16', 65524]);
    const fat32 = parseBootSector(bootSector({ rsv: 32, rootEnt: 0, total: 32 + 1024 + 65525, fatSz32: 512 }), BIG);
    expect([fat32.type, fat32.clusterCount, fat32.rootCluster, fat32.fsInfoSector, fat32.bpbLabel]).toEqual([
      'FAT32',
      65525,
      2,
      1,
      '3OS-CONFIG',
    ]);
    // A FAT32-style BPB with a FAT16 cluster count, and the reverse, are refused.
    expect(code(() => parseBootSector(bootSector({ rsv: 32, rootEnt: 0, total: 32 + 1024 + 65524, fatSz32: 512 }), BIG))).toBe('E_FAT');
    expect(code(() => parseBootSector(bootSector({ rsv: 1, rootEnt: 512, total: 1 + 1026 + 32 + 65525, fatSz16: 513 }), BIG))).toBe('E_FAT');
  });

  it('refuses boot sectors that are not FAT or do not fit', () => {
    const ok: Layout = { rsv: 1, rootEnt: 512, total: 4000, fatSz16: 12 };
    expect(code(() => parseBootSector(bootSector(ok), BIG))).toBeUndefined();
    const noSig = bootSector(ok);
    noSig.writeUInt16LE(0, 510);
    expect(code(() => parseBootSector(noSig, BIG))).toBe('E_FAT');
    const noJump = bootSector(ok);
    noJump[0] = 0;
    expect(code(() => parseBootSector(noJump, BIG))).toBe('E_FAT');
    expect(code(() => parseBootSector(bootSector({ ...ok, bps: 300 }), BIG))).toBe('E_FAT');
    expect(code(() => parseBootSector(bootSector({ ...ok, spc: 3 }), BIG))).toBe('E_FAT');
    expect(code(() => parseBootSector(bootSector({ ...ok, rsv: 0 }), BIG))).toBe('E_FAT');
    expect(code(() => parseBootSector(bootSector({ ...ok, fats: 0 }), BIG))).toBe('E_FAT');
    expect(code(() => parseBootSector(bootSector({ ...ok, fatSz16: 2 }), BIG))).toBe('E_FAT');
    expect(code(() => parseBootSector(bootSector({ ...ok, rootEnt: 0 }), BIG))).toBe('E_FAT');
    expect(code(() => parseBootSector(bootSector(ok), 4000 * 512 - 1))).toBe('E_FAT');
    expect(code(() => parseBootSector(Buffer.alloc(100), BIG))).toBe('E_FAT');
  });

  it('reads FSInfo only when its three signatures are right', () => {
    const s = Buffer.alloc(512);
    s.writeUInt32LE(0x41615252, 0);
    s.writeUInt32LE(0x61417272, 484);
    s.writeUInt32LE(1234, 488);
    s.writeUInt32LE(99, 492);
    s.writeUInt32LE(0xaa550000, 508);
    expect(parseFsInfo(s)).toEqual({ freeCount: 1234, nextFree: 99 });
    s.writeUInt32LE(0, 484);
    expect(parseFsInfo(s)).toBeUndefined();
  });
});
