// bmap parsing against files made by the real `bmaptool create` (format 2.0), older formats
// derived from them with the file checksum recomputed by openssl, and every rejection rule.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shScriptSync } from '../../../testkit/sh.js';
import { isFlashError } from '../../../flasher/errors.js';
import { findBmap, parseBmap, rangeBytes, rangeHasher } from '../../../flasher/source/bmap.js';

let dir: string;
let image: Buffer;
let bmapBytes: Buffer;
const BS = 4096;
const IMAGE_SIZE = 5 * 1024 * 1024 + 1424; // short last block

const sh = (script: string, input?: Buffer): Buffer => shScriptSync(script, { cwd: dir, input });

function reason(bytes: Buffer | string): string {
  try {
    parseBmap(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  } catch (e) {
    if (isFlashError(e) && e.code === 'E_BMAP') return e.message;
    throw e;
  }
  throw new Error('accepted');
}

/** Rewrite the stored file checksum after an edit, the way bmaptool computes it (openssl hashes). */
function resign(text: string, tag: string, alg: string): Buffer {
  const re = new RegExp(`<${tag}>\\s*([0-9a-f]+)\\s*</${tag}>`);
  const old = re.exec(text)?.[1] ?? '';
  const zeroed = text.replace(old, '0'.repeat(old.length));
  const digest = sh(`openssl dgst -${alg} -r`, Buffer.from(zeroed)).toString().split(' ')[0]!;
  return Buffer.from(zeroed.replace('0'.repeat(old.length), digest));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flasher-bmap-'));
  // A sparse image: data at the start, a hole, data in the middle, and a short last block.
  sh(`truncate -s ${IMAGE_SIZE} img && dd if=/dev/urandom of=img bs=4096 count=3 conv=notrunc status=none && dd if=/dev/urandom of=img bs=4096 seek=300 count=17 conv=notrunc status=none && dd if=/dev/urandom of=img bs=1 seek=${IMAGE_SIZE - 1000} count=1000 conv=notrunc status=none`);
  sh('bmaptool create -o img.bmap img');
  image = await readFile(join(dir, 'img'));
  bmapBytes = await readFile(join(dir, 'img.bmap'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseBmap on bmaptool output', () => {
  it('reads a real 2.0 file and its ranges hash like the image', () => {
    const m = parseBmap(bmapBytes);
    expect(m.version).toBe('2.0');
    expect(m.imageSize).toBe(IMAGE_SIZE);
    expect(m.blockSize).toBe(BS);
    expect(m.blocksCount).toBe(Math.ceil(IMAGE_SIZE / BS));
    expect(m.checksumType).toBe('sha256');
    expect(m.ranges.map((r) => [r.first, r.last])).toEqual([[0, 2], [300, 316], [m.blocksCount - 1, m.blocksCount - 1]]);
    expect(m.mappedBlocksCount).toBe(21);
    expect(m.mappedBytes).toBe(20 * BS + 1424);
    for (const r of m.ranges) {
      const { start, end } = rangeBytes(m, r);
      expect(rangeHasher(m.checksumType!).update(image.subarray(start, end)).digest('hex')).toBe(r.checksum);
    }
  });

  it('the real tool accepts what we accept (bmaptool copy checks the same file)', () => {
    sh('bmaptool copy --bmap img.bmap img copy.img 2>/dev/null && cmp img copy.img');
  });

  it('rejects a tampered file (one byte of a comment changed)', () => {
    const t = Buffer.from(bmapBytes);
    const at = t.indexOf('Image size');
    t[at] = 'i'.charCodeAt(0);
    expect(reason(t)).toMatch(/checksum does not match/);
    // and bmaptool agrees
    sh('cat > bad.bmap', t);
    expect(() => sh('bmaptool copy --bmap bad.bmap img copy2.img 2>/dev/null')).toThrow();
  });

  it('accepts format 1.4 (same as 2.0) and 1.3 (sha1), rejects 3.0', () => {
    const text = bmapBytes.toString();
    expect(parseBmap(resign(text.replace('version="2.0"', 'version="1.4"'), 'BmapFileChecksum', 'sha256')).version).toBe('1.4');
    // 1.3: sha1 everywhere; range checksums recomputed with openssl over the image bytes.
    let v13 = text.replace('version="2.0"', 'version="1.3"').replace(/<ChecksumType>.*<\/ChecksumType>/, '');
    v13 = v13.replace(/<BmapFileChecksum>\s*[0-9a-f]+\s*<\/BmapFileChecksum>/, `<BmapFileSHA1> ${'0'.repeat(40)} </BmapFileSHA1>`);
    const m20 = parseBmap(bmapBytes);
    for (const r of m20.ranges) {
      const { start, end } = rangeBytes(m20, r);
      const sha1 = sh('openssl dgst -sha1 -r', image.subarray(start, end)).toString().split(' ')[0]!;
      v13 = v13.replace(`chksum="${r.checksum!}"`, `sha1="${sha1}"`);
    }
    const m13 = parseBmap(resign(v13, 'BmapFileSHA1', 'sha1'));
    expect(m13.checksumType).toBe('sha1');
    for (const r of m13.ranges) {
      const { start, end } = rangeBytes(m13, r);
      expect(rangeHasher('sha1').update(image.subarray(start, end)).digest('hex')).toBe(r.checksum);
    }
    expect(reason(resign(text.replace('version="2.0"', 'version="3.0"'), 'BmapFileChecksum', 'sha256'))).toMatch(/version 3.0/);
  });

  it('reads an old 1.0 file without checksums', () => {
    const v10 = `<?xml version="1.0" ?>
<bmap version="1.0">
  <ImageSize> 10000 </ImageSize>
  <BlockSize> 4096 </BlockSize>
  <BlocksCount> 3 </BlocksCount>
  <MappedBlocksCount> 2 </MappedBlocksCount>
  <BlockMap>
    <Range> 0 </Range>
    <Range> 2 </Range>
  </BlockMap>
</bmap>`;
    const m = parseBmap(Buffer.from(v10));
    expect(m.checksumType).toBeUndefined();
    expect(m.ranges).toEqual([{ first: 0, last: 0, checksum: undefined }, { first: 2, last: 2, checksum: undefined }]);
    expect(m.mappedBytes).toBe(4096 + (10000 - 8192));
  });
});

describe('parseBmap rejections (each re-signed so only the named rule fails)', () => {
  const edit = (f: (t: string) => string): Buffer => resign(f(bmapBytes.toString()), 'BmapFileChecksum', 'sha256');

  it('BlocksCount inconsistent with ImageSize/BlockSize', () => {
    expect(reason(edit((t) => t.replace(/<BlocksCount>\s*\d+/, '<BlocksCount> 99')))).toMatch(/BlocksCount 99/);
  });
  it('MappedBlocksCount not the sum of the ranges', () => {
    expect(reason(edit((t) => t.replace(/<MappedBlocksCount>\s*\d+/, '<MappedBlocksCount> 22')))).toMatch(/MappedBlocksCount 22/);
  });
  it('overlapping / unsorted ranges', () => {
    expect(reason(edit((t) => t.replace('> 300-316 <', '> 2-316 <')))).toMatch(/overlaps or is out of order/);
  });
  it('a range beyond the image', () => {
    const n = parseBmap(bmapBytes).blocksCount;
    expect(reason(edit((t) => t.replace(`> ${n - 1} <`, `> ${n - 1}-${n} <`)))).toMatch(/beyond/);
  });
  it('first > last', () => {
    expect(reason(edit((t) => t.replace('> 300-316 <', '> 316-300 <')))).toMatch(/first > last/);
  });
  it('unknown checksum type, malformed XML, missing fields, not a bmap', () => {
    expect(reason(edit((t) => t.replace(/<ChecksumType>.*<\/ChecksumType>/, '<ChecksumType> nosuchhash </ChecksumType>')))).toMatch(/unsupported checksum type/);
    expect(reason('<bmap version="2.0"><ImageSize>1</ImageSize>')).toMatch(/not well-formed|unclosed/);
    expect(reason('<bmap version="1.0"><BlockSize>4096</BlockSize></bmap>')).toMatch(/ImageSize/);
    expect(reason('<html></html>')).toMatch(/<html>/);
    expect(reason('<!DOCTYPE x [<!ENTITY a "b">]><bmap version="1.0"/>')).toMatch(/DOCTYPE/);
  });
});

describe('findBmap', () => {
  it('finds X.bmap beside X, and X.img.bmap beside X.img.xz', async () => {
    await writeFile(join(dir, 'os.img.xz'), 'x');
    expect(await findBmap(join(dir, 'os.img.xz'))).toBeUndefined();
    await writeFile(join(dir, 'os.img.bmap'), bmapBytes);
    expect(await findBmap(join(dir, 'os.img.xz'))).toBe(join(dir, 'os.img.bmap'));
    await writeFile(join(dir, 'os.img.xz.bmap'), bmapBytes);
    expect(await findBmap(join(dir, 'os.img.xz'))).toBe(join(dir, 'os.img.xz.bmap'));
    expect(await findBmap(join(dir, 'img'))).toBe(join(dir, 'img.bmap'));
  });
});
