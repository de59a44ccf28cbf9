/**
 * `write IMAGE --board B` refuses an image whose partition table the board's firmware cannot boot
 * (issue 13: a GPT image for a Pi 3) before any target is opened: the images are made by the real
 * tools (sgdisk for GPT, sfdisk for the MBR variant), the board comes from the bundled catalog,
 * and the target file is compared by SHA-256 before and after.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../flasher/errors.js';
import { readImageInfo } from '../../provisioning/detect/image-info.js';
import { shSyncOk } from '../../testkit/sh.js';
import { runCli } from '../../testkit/cli.js';
import { build3osLike, MiB } from './catalog-fixtures.js';

let dir: string;
let gpt: string;
let mbr: string;
const piInfo = { flavor: 'debian', version: '0.1.0', arch: 'aarch64', boards: ['rpi-3b', 'rpi-zero-2w', 'rpi-4b'], build_id: 'fit' };

const digest = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');

function target(name: string): string {
  const t = join(dir, name);
  writeFileSync(t, randomBytes(8 * MiB));
  return t;
}

function write(image: string, board: string, to: string): ReturnType<typeof runCli> {
  return runCli(['write', image, '--board', board, '--trust-unsigned', '--to', to, '--cache-dir', join(dir, 'cache'), '--no-grow', '--no-eject', '--yes', '--json']);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'board-fit-'));
  // The same image.json (it claims the Pi 3) in both: only the partition table tells them apart.
  gpt = build3osLike(dir, piInfo, { name: 'pi-gpt.img' }).raw;
  mbr = build3osLike(dir, piInfo, { name: 'pi-mbr.img', table: 'mbr' }).raw;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('write --board: the image\'s partition table against the board', () => {
  it('the fixtures are what the real tools say they are', async () => {
    expect(shSyncOk('sgdisk', ['-p', gpt])).toMatch(/3os-config/);
    expect(shSyncOk('sfdisk', ['-d', mbr])).toMatch(/label: dos/);
    expect((await readImageInfo(gpt))?.partitionTable).toBe('gpt');
    expect((await readImageInfo(mbr))?.partitionTable).toBe('mbr');
    expect((await readImageInfo(mbr))?.boards).toEqual(piInfo.boards);
  });

  it('refuses a GPT image for rpi-3b with E_BOARD_MISMATCH before the target is touched', async () => {
    const to = target('card-3b.img');
    const before = digest(to);
    const r = await write(gpt, 'rpi-3b', to);
    expect(r.code, r.err + r.out).toBe(ERROR_CODES.E_BOARD_MISMATCH);
    expect(r.out + r.err).toMatch(/does not fit board rpi-3b: the image has a GPT partition table; the firmware of board rpi-3b boots only MBR/);
    expect(r.out + r.err).not.toMatch(/\n\s+at /); // an expected failure prints no stack trace
    expect(digest(to)).toBe(before);
  });

  it('refuses the GPT image for rpi-zero-2w too, and takes it for rpi-4b', async () => {
    const zero = target('card-zero.img');
    const before = digest(zero);
    expect((await write(gpt, 'rpi-zero-2w', zero)).code).toBe(ERROR_CODES.E_BOARD_MISMATCH);
    expect(digest(zero)).toBe(before);
    const pi4 = target('card-4b.img');
    const r = await write(gpt, 'rpi-4b', pi4);
    expect(r.code, r.err + r.out).toBe(0);
    expect(readFileSync(pi4).subarray(0, 6 * MiB).equals(readFileSync(gpt))).toBe(true);
  });

  it('writes the MBR variant to rpi-3b', async () => {
    const to = target('card-3b-mbr.img');
    const r = await write(mbr, 'rpi-3b', to);
    expect(r.code, r.err + r.out).toBe(0);
    expect(readFileSync(to).subarray(0, 6 * MiB).equals(readFileSync(mbr))).toBe(true);
    expect(shSyncOk('sfdisk', ['-d', to])).toMatch(/type=c/);
  });
});
