// Format detection by magic bytes: every supported signature, zstd skippable frames, refused
// containers, and raw images that merely look odd.
import { describe, expect, it } from 'vitest';
import { isFlashError } from '../../../../flasher/errors.js';
import { detectFormat } from '../../../../flasher/source/detect-format.js';

const b = (...bytes: number[]): Buffer => Buffer.concat([Buffer.from(bytes), Buffer.alloc(64)]);
const s = (str: string): Buffer => Buffer.concat([Buffer.from(str, 'latin1'), Buffer.alloc(64)]);

function refusal(head: Buffer): string {
  try {
    detectFormat(head);
  } catch (e) {
    if (isFlashError(e) && e.code === 'E_FORMAT_UNKNOWN') return e.message;
    throw e;
  }
  throw new Error('not refused');
}

function skippable(payload: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(0x184d2a5e, 0);
  h.writeUInt32LE(payload, 4);
  return Buffer.concat([h, Buffer.alloc(payload, 0xaa)]);
}

describe('detectFormat', () => {
  it('recognises the supported magics', () => {
    expect(detectFormat(b(0x1f, 0x8b, 0x08))).toBe('gzip');
    expect(detectFormat(b(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00))).toBe('xz');
    expect(detectFormat(b(0x28, 0xb5, 0x2f, 0xfd))).toBe('zstd');
    expect(detectFormat(s('BZh9'))).toBe('bzip2');
    expect(detectFormat(s('BZh1'))).toBe('bzip2');
    expect(detectFormat(s('PK\x03\x04'))).toBe('zip');
  });

  it('sees zstd behind skippable frames, and refuses lz4 behind them', () => {
    expect(detectFormat(Buffer.concat([skippable(16), skippable(0), b(0x28, 0xb5, 0x2f, 0xfd)]))).toBe('zstd');
    expect(detectFormat(Buffer.concat([skippable(100_000)]).subarray(0, 4096))).toBe('zstd');
    expect(refusal(Buffer.concat([skippable(4), b(0x04, 0x22, 0x4d, 0x18)]))).toMatch(/LZ4/);
  });

  it('refuses containers it recognises but does not take', () => {
    expect(refusal(b(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c))).toMatch(/7-Zip/);
    expect(refusal(s('QFI\xfb'))).toMatch(/qcow2/);
    expect(refusal(s('Rar!\x1a\x07\x00'))).toMatch(/RAR/);
    expect(refusal(s('vhdxfile'))).toMatch(/VHDX/);
    expect(refusal(s('KDMV'))).toMatch(/VMDK/);
    expect(refusal(b(0x04, 0x22, 0x4d, 0x18))).toMatch(/LZ4/);
    expect(refusal(s('PK\x05\x06'))).toMatch(/empty zip/);
    const tar = Buffer.alloc(1024);
    tar.write('disk.img', 0);
    tar.write('ustar\x0000', 257, 'latin1');
    expect(refusal(tar)).toMatch(/tar/);
    expect(refusal(Buffer.alloc(0))).toMatch(/empty/);
  });

  it('treats anything else as raw, including near-misses', () => {
    const mbr = Buffer.alloc(512);
    mbr[0] = 0xeb;
    mbr[1] = 0x63;
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    expect(detectFormat(mbr)).toBe('raw');
    expect(detectFormat(Buffer.alloc(4096))).toBe('raw');
    expect(detectFormat(s('BZh0'))).toBe('raw'); // block size digit out of range
    expect(detectFormat(s('BZ'))).toBe('raw');
    expect(detectFormat(b(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x01))).toBe('raw');
    expect(detectFormat(Buffer.from([0x1f]))).toBe('raw'); // one byte, too short for any magic
  });
});
