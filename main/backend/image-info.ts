/**
 * What the UI shows about a chosen image before flashing: does the file exist, its format,
 * its decoded size when the format says so without decoding, and whether it is a 3os image
 * (read from the file's own partition table and 3os/image.json). URLs are described by name
 * only: nothing is downloaded until the flash starts.
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { detect3os } from '../../provisioning/detect/detect-3os.js';
import { detectFormat, DETECT_BYTES } from '../../flasher/source/detect-format.js';
import { isRemoteImage, localImagePath } from '../../flasher/source/image-spec.js';
import { gzipIsize, xzDecodedSize } from '../../flasher/source/size-probe.js';
import type { ImageInfo } from '../ipc/contract-types.js';
import { userError } from '../ipc/error-text.js';
import { userErrorOf } from './user-error-of.js';

export async function describeImage(image: string): Promise<ImageInfo> {
  const path = localImagePath(image);
  if (path === undefined) {
    if (!isRemoteImage(image)) {
      return { image, kind: 'file', name: image, exists: false, fileSize: undefined, format: undefined, decodedSize: undefined, threeOs: undefined, problem: userError('E_SOURCE_MISSING', `${image}: not a usable file URL`) };
    }
    const name = decodeURIComponent(new URL(image).pathname.split('/').filter(Boolean).pop() ?? image);
    return { image, kind: 'url', name, exists: true, fileSize: undefined, format: undefined, decodedSize: undefined, threeOs: undefined };
  }
  const base = { image, kind: 'file' as const, name: basename(path) };
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) {
      return { ...base, exists: false, fileSize: undefined, format: undefined, decodedSize: undefined, threeOs: undefined, problem: userError('E_SOURCE_UNREADABLE', `${path} is not a regular file`) };
    }
    size = st.size;
  } catch {
    return { ...base, exists: false, fileSize: undefined, format: undefined, decodedSize: undefined, threeOs: undefined, problem: userError('E_SOURCE_MISSING', `${path}: no such file`) };
  }
  const fh = await open(path, 'r');
  let format: string;
  let decodedSize: number | undefined;
  try {
    const head = Buffer.alloc(Math.min(DETECT_BYTES, size));
    await fh.read(head, 0, head.length, 0);
    format = detectFormat(head);
    if (format === 'raw') decodedSize = size;
    else if (format === 'xz') decodedSize = await xzDecodedSize(fh, size);
    else if (format === 'gzip') decodedSize = await gzipIsize(fh, size);
  } catch (e) {
    const problem = userErrorOf(e);
    return { ...base, exists: true, fileSize: size, format: undefined, decodedSize: undefined, threeOs: undefined, problem };
  } finally {
    await fh.close();
  }
  const threeOs = format === 'raw' ? await detect3os(path).catch(() => undefined) : undefined;
  return { ...base, exists: true, fileSize: size, format, decodedSize, threeOs };
}
