/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF).
 *
 * GPT protects its headers and partition entry array with this checksum (docs/disk-formats.md §1).
 * Node >= 20.15 ships it natively as zlib.crc32, which is far faster than a JavaScript table loop
 * (this matters for the 16 KiB entry array only a little, but there is no reason to carry our own).
 */
import { crc32 } from 'node:zlib';

/** IEEE CRC-32 of `data`, as an unsigned 32-bit number. */
export function gptCrc32(data: Uint8Array): number {
  return crc32(data) >>> 0;
}
