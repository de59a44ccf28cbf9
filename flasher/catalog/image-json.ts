/**
 * `3os/image.json` (docs/3os-image-standard.md §3): what an image is, written when the image is
 * built. The one parser of it for every reader: the board check of a local image
 * (provisioning/detect/image-info.ts), drive detection (provisioning/detect/detect-3os.ts) and
 * `inspect` (provisioning/seed/inspect-disk.ts). Pure (zod and the error type only), so it
 * works from any layer.
 *
 * Fields: `flavor`, `version`, `arch`, `boards` (list; a single `board` string is read as a list
 * of one), `build_id`. Unknown keys are kept in `raw` (newer images may say more); a known key
 * with the wrong type makes the file invalid, and an empty string counts as absent.
 */
import { z } from 'zod';
import { FlashError } from '../errors.js';

/** Where the file lives on the 3OS-CONFIG partition. */
export const IMAGE_JSON_PATH = '3os/image.json';

const text = z.string().transform((s) => (s === '' ? undefined : s));

const imageJsonSchema = z.looseObject({
  flavor: text.optional(),
  version: text.optional(),
  arch: text.optional(),
  boards: z.array(z.string()).optional(),
  board: text.optional(),
  build_id: text.optional(),
});

export interface ImageInfo {
  readonly flavor?: string | undefined;
  readonly version?: string | undefined;
  readonly arch?: string | undefined;
  readonly boards?: readonly string[] | undefined;
  readonly buildId?: string | undefined;
  /** The whole parsed file. */
  readonly raw: Readonly<Record<string, unknown>>;
}

function invalid(why: string): FlashError {
  return new FlashError('E_NOT_3OS', `${IMAGE_JSON_PATH} ${why}`, { phase: 'source' });
}

/** Parse the file's bytes or text; throws E_NOT_3OS when it is not valid JSON or not the format above. */
export function parseImageJson(data: string | Uint8Array): ImageInfo {
  const textData = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
  let j: unknown;
  try {
    j = JSON.parse(textData);
  } catch (e) {
    throw invalid(`is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw invalid('is not a JSON object');
  const r = imageJsonSchema.safeParse(j);
  if (!r.success) {
    const i = r.error.issues[0];
    throw invalid(`is not valid: ${i === undefined ? 'wrong shape' : `${i.path.join('.')}: ${i.message}`}`);
  }
  const o = r.data;
  const boards = o.boards ?? (o.board === undefined ? undefined : [o.board]);
  return { flavor: o.flavor, version: o.version, arch: o.arch, boards, buildId: o.build_id, raw: j as Record<string, unknown> };
}

/** "debian 2026.11.1" (flavor and version, whichever are there), for drive lists; undefined when neither is. */
export function imageLabel(info: ImageInfo): string | undefined {
  return [info.flavor, info.version].filter((x) => x !== undefined).join(' ') || undefined;
}
