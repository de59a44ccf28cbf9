/**
 * LVM's CRC-32 (docs/disk-formats.md §1): reflected IEEE polynomial, initial value 0xF597A6CF, NO final XOR.
 *
 * It protects the label sector (bytes 20..511), each mda_header (bytes 4..511) and every copy of
 * the text metadata. Node's zlib.crc32 XORs on entry and exit, so the LVM value is
 * `crc32(buf, ~INITIAL) ^ ~0`; a table-driven fallback covers runtimes without zlib.crc32.
 */
import * as zlib from 'node:zlib';

/** `INITIAL_CRC` of lib/misc/crc.h. */
export const LVM_INITIAL_CRC = 0xf597a6cf;

const TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  return c >>> 0;
});

/** Byte-wise reference implementation (also the fallback). */
export function lvmCrcTable(data: Uint8Array, initial = LVM_INITIAL_CRC): number {
  let crc = initial >>> 0;
  for (let i = 0; i < data.length; i++) {
    crc = ((TABLE[(crc ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8)) >>> 0;
  }
  return crc >>> 0;
}

type Crc32Fn = (data: Uint8Array, value?: number) => number;
const zlibCrc32: Crc32Fn | undefined = (zlib as unknown as { crc32?: Crc32Fn }).crc32;

/** LVM `calc_crc(INITIAL_CRC, data)`. */
export function lvmCrc(data: Uint8Array): number {
  if (zlibCrc32 === undefined) return lvmCrcTable(data);
  return (zlibCrc32(data, ~LVM_INITIAL_CRC >>> 0) ^ 0xffffffff) >>> 0;
}
