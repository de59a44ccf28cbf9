/**
 * Test fixtures for the partition-table tests: a sparse in-memory DiskIO that logs its writes and
 * flushes, and small builders for GPT and MBR tables written straight from the byte-level spec
 * (docs/disk-formats.md §3-4), independent of the code under test (CRC via zlib, GUIDs by hand).
 */
import { crc32 } from 'node:zlib';
import type { DiskIO } from '../../../../flasher/disk-io.js';

export type DiskOp = { op: 'write'; offset: number; length: number } | { op: 'flush' };

/** Sparse in-memory disk: only written 64 KiB chunks take memory. */
export class MemDisk implements DiskIO {
  public readonly ops: DiskOp[] = [];
  private readonly chunks = new Map<number, Buffer>();
  private static readonly CHUNK = 65536;

  public constructor(
    public readonly size: number,
    public readonly sectorSize = 512,
    public readonly path = 'mem.img',
  ) {}

  public read(offset: number, length: number): Promise<Buffer> {
    if (offset < 0 || offset + length > this.size) return Promise.reject(new Error(`read past end: ${offset}+${length}`));
    const out = Buffer.alloc(length);
    for (let done = 0; done < length; ) {
      const pos = offset + done;
      const ci = Math.floor(pos / MemDisk.CHUNK);
      const within = pos - ci * MemDisk.CHUNK;
      const n = Math.min(MemDisk.CHUNK - within, length - done);
      this.chunks.get(ci)?.copy(out, done, within, within + n);
      done += n;
    }
    return Promise.resolve(out);
  }

  public write(offset: number, data: Uint8Array): Promise<void> {
    if (offset < 0 || offset + data.length > this.size) return Promise.reject(new Error(`write past end: ${offset}+${data.length}`));
    this.ops.push({ op: 'write', offset, length: data.length });
    this.poke(offset, data);
    return Promise.resolve();
  }

  /** Write without logging (fixture setup). */
  public poke(offset: number, data: Uint8Array): void {
    for (let done = 0; done < data.length; ) {
      const pos = offset + done;
      const ci = Math.floor(pos / MemDisk.CHUNK);
      const within = pos - ci * MemDisk.CHUNK;
      const n = Math.min(MemDisk.CHUNK - within, data.length - done);
      let c = this.chunks.get(ci);
      if (c === undefined) {
        c = Buffer.alloc(MemDisk.CHUNK);
        this.chunks.set(ci, c);
      }
      Buffer.from(data.buffer, data.byteOffset + done, n).copy(c, within);
      done += n;
    }
  }

  public flush(): Promise<void> {
    this.ops.push({ op: 'flush' });
    return Promise.resolve();
  }

  public close(): Promise<void> {
    return Promise.resolve();
  }

  /** A copy of this disk's content on a disk of another size/sector size (like dd to a bigger card). */
  public async copyTo(size: number, sectorSize = this.sectorSize): Promise<MemDisk> {
    const d = new MemDisk(size, sectorSize, this.path);
    for (const [ci, c] of this.chunks) {
      const off = ci * MemDisk.CHUNK;
      if (off < size) d.poke(off, c.subarray(0, Math.min(c.length, size - off)));
    }
    return Promise.resolve(d);
  }

  public async sector(lba: number): Promise<Buffer> {
    return this.read(lba * this.sectorSize, this.sectorSize);
  }
}

/** Mixed-endian GUID bytes, written out by hand from the spec. */
export function guidBytes(text: string): Buffer {
  const h = text.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  return Buffer.concat([
    Buffer.from([b[3] ?? 0, b[2] ?? 0, b[1] ?? 0, b[0] ?? 0, b[5] ?? 0, b[4] ?? 0, b[7] ?? 0, b[6] ?? 0]),
    b.subarray(8, 16),
  ]);
}

export const TYPE = {
  esp: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b',
  msdata: 'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7',
  rootX64: '4f68bce3-e8cd-4db1-96e7-fbcaf984b709',
  lvm: 'e6d6d379-f507-44c2-a23c-238f2a3df928',
  linux: '0fc63daf-8483-4772-8e79-3d69d8477de4',
} as const;

export interface EntrySpec {
  type: string;
  unique: string;
  first: number;
  last: number;
  name: string;
  attrs?: bigint;
  /** Entry slot, 1-based (default: position in the list + 1). */
  slot?: number;
}

export interface GptSpec {
  /** Sectors of the image the table is built for (the backup goes at its end). */
  lbas: number;
  sectorSize?: number;
  diskGuid: string;
  entries: EntrySpec[];
  entryCount?: number;
  /** Protective record end CHS (sgdisk writes real CHS on small disks). */
  pmbrEndChs?: [number, number, number];
}

export function headerSector(ss: number, f: { my: number; alt: number; first: number; last: number; guid: string; entryLba: number; count: number; arrayCrc: number }): Buffer {
  const s = Buffer.alloc(ss);
  s.write('EFI PART', 0, 'latin1');
  s.writeUInt32LE(0x00010000, 8);
  s.writeUInt32LE(92, 12);
  s.writeBigUInt64LE(BigInt(f.my), 24);
  s.writeBigUInt64LE(BigInt(f.alt), 32);
  s.writeBigUInt64LE(BigInt(f.first), 40);
  s.writeBigUInt64LE(BigInt(f.last), 48);
  guidBytes(f.guid).copy(s, 56);
  s.writeBigUInt64LE(BigInt(f.entryLba), 72);
  s.writeUInt32LE(f.count, 80);
  s.writeUInt32LE(128, 84);
  s.writeUInt32LE(f.arrayCrc, 88);
  s.writeUInt32LE(crc32(s.subarray(0, 92)), 16);
  return s;
}

/** Write a GPT built for `spec.lbas` sectors into `disk` (which may be bigger). */
export function writeGpt(disk: MemDisk, spec: GptSpec): { headerCrc: number; arrayCrc: number; backupCrc: number } {
  const ss = spec.sectorSize ?? disk.sectorSize;
  const n = spec.lbas;
  const count = spec.entryCount ?? 128;
  const e = Math.ceil((count * 128) / ss);
  const array = Buffer.alloc(e * ss);
  spec.entries.forEach((en, i) => {
    const o = ((en.slot ?? i + 1) - 1) * 128;
    guidBytes(en.type).copy(array, o);
    guidBytes(en.unique).copy(array, o + 16);
    array.writeBigUInt64LE(BigInt(en.first), o + 32);
    array.writeBigUInt64LE(BigInt(en.last), o + 40);
    array.writeBigUInt64LE(en.attrs ?? 0n, o + 48);
    array.write(en.name, o + 56, 'utf16le');
  });
  const arrayCrc = crc32(array.subarray(0, count * 128));
  const common = { first: 2 + e, last: n - 2 - e, guid: spec.diskGuid, count, arrayCrc };
  const primary = headerSector(ss, { ...common, my: 1, alt: n - 1, entryLba: 2 });
  const backup = headerSector(ss, { ...common, my: n - 1, alt: 1, entryLba: n - 1 - e });
  const mbr = Buffer.alloc(ss);
  const chs = spec.pmbrEndChs ?? [0xff, 0xff, 0xff];
  Buffer.from([0x00, 0x00, 0x02, 0x00, 0xee, ...chs]).copy(mbr, 446);
  mbr.writeUInt32LE(1, 446 + 8);
  mbr.writeUInt32LE(Math.min(n - 1, 0xffffffff), 446 + 12);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  disk.poke(0, mbr);
  disk.poke(ss, primary);
  disk.poke(2 * ss, array);
  disk.poke((n - 1 - e) * ss, array);
  disk.poke((n - 1) * ss, backup);
  return { headerCrc: primary.readUInt32LE(16), arrayCrc, backupCrc: backup.readUInt32LE(16) };
}

/** The sgdisk-made test vector of docs/disk-formats.md §3.7 (64 MiB, ESP + LVM "root"). */
export const DOC_VECTOR: GptSpec = {
  lbas: 131072,
  diskGuid: '11111111-2222-3333-4444-555555555555',
  pmbrEndChs: [0x28, 0x20, 0x08],
  entries: [
    { type: TYPE.esp, unique: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', first: 2048, last: 18431, name: 'ESP' },
    { type: TYPE.lvm, unique: '12345678-9abc-def0-1234-56789abcdef0', first: 18432, last: 131038, name: 'root' },
  ],
};

/** A 3os GPT layout in MiB units (1 MiB aligned), data last. */
export function threeOsGpt(lbas: number, ss = 512): GptSpec {
  const mib = (1024 * 1024) / ss;
  const e = Math.ceil((128 * 128) / ss);
  return {
    lbas,
    sectorSize: ss,
    diskGuid: '0a0b0c0d-0e0f-4011-8213-141516171819',
    entries: [
      { type: TYPE.esp, unique: '00000000-0000-4000-8000-000000000001', first: 1 * mib, last: 9 * mib - 1, name: '3os-boot' },
      { type: TYPE.msdata, unique: '00000000-0000-4000-8000-000000000002', first: 9 * mib, last: 13 * mib - 1, name: '3os-config' },
      { type: TYPE.rootX64, unique: '00000000-0000-4000-8000-000000000003', first: 13 * mib, last: 29 * mib - 1, name: '3os-root-a' },
      { type: TYPE.rootX64, unique: '00000000-0000-4000-8000-000000000004', first: 29 * mib, last: 45 * mib - 1, name: '3os-root-b' },
      { type: TYPE.lvm, unique: '00000000-0000-4000-8000-000000000005', first: 45 * mib, last: lbas - 2 - e, name: '3os-data', attrs: 1n << 59n },
    ],
  };
}

/** One 16-byte MBR record. */
export function mbrRecord(r: { boot?: number; startChs?: number[]; type: number; endChs?: number[]; start: number; size: number }): Buffer {
  const b = Buffer.alloc(16);
  b[0] = r.boot ?? 0;
  Buffer.from(r.startChs ?? [0, 0, 0]).copy(b, 1);
  b[4] = r.type;
  Buffer.from(r.endChs ?? [0, 0, 0]).copy(b, 5);
  b.writeUInt32LE(r.start, 8);
  b.writeUInt32LE(r.size, 12);
  return b;
}

/** An MBR/EBR sector with up to 4 records. */
export function mbrSector(records: Buffer[], ss = 512, signature = 0x12345678): Buffer {
  const s = Buffer.alloc(ss);
  s.writeUInt32LE(signature, 440);
  records.forEach((r, i) => r.copy(s, 446 + 16 * i));
  s[510] = 0x55;
  s[511] = 0xaa;
  return s;
}

export const hexBytes = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** The 3os MBR variant as sfdisk lays it out on 64 MiB (see the integration test for the real thing). */
export function threeOsMbr(disk: MemDisk, lbas = 131072): void {
  disk.poke(
    0,
    mbrSector([
      mbrRecord({ boot: 0x80, type: 0x0c, start: 2048, size: 16384 }),
      mbrRecord({ type: 0x0c, start: 18432, size: 8192 }),
      mbrRecord({ type: 0x83, start: 26624, size: 32768 }),
      mbrRecord({ type: 0x0f, start: 59392, size: lbas - 59392 }),
    ]),
  );
  // EBR 1 at 59392: p5 at +2048, link to EBR 2 at ext+34816 (LBA 94208)
  disk.poke(59392 * 512, mbrSector([mbrRecord({ type: 0x83, start: 2048, size: 32768 }), mbrRecord({ type: 0x05, start: 34816, size: 36864 })], 512, 0));
  // EBR 2 at 94208: p6 at +2048 to the end
  disk.poke(94208 * 512, mbrSector([mbrRecord({ type: 0x8e, start: 2048, size: lbas - 96256 })], 512, 0));
}
