// rawImageSize (the helper's and the drive list's "how big is this image" for local files) is
// built on the decoders' magic detection: raw by detectFormat means the file size, anything else
// (compressed, refused container, URL, not a regular file) means "not known here".
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat } from '../../../../flasher/source/detect-format.js';
import { isRemoteImage, localImagePath } from '../../../../flasher/source/image-spec.js';
import { rawImageSize } from '../../../../flasher/source/size-probe.js';

const dir = mkdtempSync(join(tmpdir(), 'raw-size-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, head: number[], size = 64 * 1024): string {
  const p = join(dir, name);
  const b = Buffer.alloc(size);
  Buffer.from(head).copy(b);
  writeFileSync(p, b);
  return p;
}

describe('rawImageSize', () => {
  it('a raw image: its file size, named by path or file:// URL', async () => {
    const p = file('disk.img', [0xeb, 0x3c, 0x90], 3 * 65536 + 512);
    expect(await rawImageSize(p)).toBe(3 * 65536 + 512);
    expect(await rawImageSize(pathToFileURL(p).href)).toBe(3 * 65536 + 512);
  });

  it.each([
    ['gzip', [0x1f, 0x8b, 0x08]],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
    ['bzip2', [0x42, 0x5a, 0x68, 0x39]],
    ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ])('a %s file (named .img all the same): unknown here', async (format, magic) => {
    const p = file(`${format}.img`, magic);
    expect(detectFormat(Buffer.from(magic))).toBe(format);
    expect(await rawImageSize(p)).toBeUndefined();
  });

  it('a refused container, an empty file, a folder, a missing file and a URL: unknown', async () => {
    expect(await rawImageSize(file('disk.qcow2', [0x51, 0x46, 0x49, 0xfb]))).toBeUndefined();
    expect(await rawImageSize(file('empty.img', [], 0))).toBeUndefined();
    mkdirSync(join(dir, 'folder.img'));
    expect(await rawImageSize(join(dir, 'folder.img'))).toBeUndefined();
    expect(await rawImageSize(join(dir, 'missing.img'))).toBeUndefined();
    expect(await rawImageSize('https://example.com/disk.img')).toBeUndefined();
  });
});

describe('image specs: local path, file:// URL or remote', () => {
  it.each([
    ['/srv/img/disk.img', '/srv/img/disk.img', false],
    ['disk.img', 'disk.img', false],
    ['file:///srv/img/my%20disk.img', '/srv/img/my disk.img', false],
    ['FILE:///srv/x.img', '/srv/x.img', false],
    ['https://example.com/disk.img', undefined, true],
    ['http://example.com/disk.img', undefined, true],
    ['ftp://example.com/disk.img', undefined, true],
    ['file://host/share/x.img', undefined, false],
  ])('%s', (spec, path, remote) => {
    expect(localImagePath(spec)).toBe(path);
    expect(isRemoteImage(spec)).toBe(remote);
  });
});
