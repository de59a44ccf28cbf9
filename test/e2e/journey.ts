/**
 * Shared steps of the end-to-end journeys: find the built reference image, flash it with our
 * CLI, seed a config (the `seed` verb when the CLI has it, else the same library call), read a
 * disk back (`inspect`), and real-tool views of a disk (LVM sizes through a loop device).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { openDisk } from '../../flasher/disk-io.js';
import { commands } from '../../main/cli/commands/index.js';
import { renderConfig } from '../../provisioning/config/index.js';
import { inspectDisk } from '../../provisioning/seed/inspect-disk.js';
import { seedDisk } from '../../provisioning/seed/seed-disk.js';
import { runCli } from '../../testkit/cli.js';
import { attachLoop, detachLoop } from '../../testkit/loop.js';
import { shOk } from '../../testkit/sh.js';
import { lvmOn } from '../../testkit/lvm.js';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const IMAGE_DIR = resolve(process.env.THREEOS_REF_DIR ?? '.cache/reference-image');
export const IMAGE_ZST = join(IMAGE_DIR, '3os-reference-x86_64.img.zst');
export const IMAGE_RAW = join(IMAGE_DIR, '3os-reference-x86_64.img');

export function requireImage(): void {
  if (!existsSync(IMAGE_ZST) || !existsSync(IMAGE_RAW)) throw new Error(`${IMAGE_ZST} missing: run npm run image:build first`);
}

export const hasVerb = (name: string): boolean => commands.some((c) => c.name === name);

export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runCli(args);
  if (r.code !== 0) throw new Error(`3os-flash ${args.join(' ')} exited ${r.code}: ${r.err}${r.out.slice(-2000)}`);
  return r;
}

export async function blankDisk(dir: string, name: string, size = 4 * GiB): Promise<string> {
  const p = join(dir, name);
  await shOk('truncate', ['-s', String(size), p]);
  return p;
}

/** Seed a config file onto a disk: `3os-flash seed` when present, else the library it wraps. */
export async function seed(target: string, configFile: string): Promise<void> {
  if (hasVerb('seed')) {
    await cli(['seed', target, '--config', configFile]);
    return;
  }
  const rendered = renderConfig(await readFile(configFile, 'utf8'));
  const disk = await openDisk(target, { writable: true });
  try {
    await seedDisk(disk, rendered);
    await disk.flush();
  } finally {
    await disk.close();
  }
}

/** What `3os-flash inspect --json` says (or the library it wraps). */
export async function inspect(target: string): Promise<Record<string, unknown>> {
  if (hasVerb('inspect')) {
    const r = await cli(['inspect', target, '--json']);
    return JSON.parse(r.out) as Record<string, unknown>;
  }
  const disk = await openDisk(target, { writable: false });
  try {
    return (await inspectDisk(disk)) as unknown as Record<string, unknown>;
  } finally {
    await disk.close();
  }
}

/** Byte range of the partition named NAME (sgdisk). */
export async function partRange(disk: string, index: number): Promise<{ start: number; size: number }> {
  const info = await shOk('sgdisk', ['-i', String(index), disk]);
  const first = Number(/First sector: (\d+)/.exec(info)?.[1]);
  const last = Number(/Last sector: (\d+)/.exec(info)?.[1]);
  return { start: first * 512, size: (last - first + 1) * 512 };
}

/** VG/LV sizes in bytes as LVM itself reports them (metadata-only, through a loop device). */
export async function lvmSizes(disk: string): Promise<{ vgSize: number; vgFree: number; lvs: Record<string, number> }> {
  const p5 = await partRange(disk, 5);
  const dev = await attachLoop(disk, { offset: p5.start, sizeLimit: p5.size, readOnly: true });
  try {
    const lvm = (cmd: string, ...a: string[]): Promise<string> => lvmOn(dev, cmd, ...a);
    const [vgSize, vgFree] = (await lvm('vgs', '--noheadings', '--nosuffix', '--units', 'b', '-o', 'vg_size,vg_free', '3os')).trim().split(/\s+/).map(Number);
    const lvs: Record<string, number> = {};
    for (const line of (await lvm('lvs', '--noheadings', '--nosuffix', '--units', 'b', '-o', 'lv_name,lv_size', '3os')).trim().split('\n')) {
      const [n, s] = line.trim().split(/\s+/);
      if (n !== undefined) lvs[n] = Number(s);
    }
    return { vgSize: vgSize ?? NaN, vgFree: vgFree ?? NaN, lvs };
  } finally {
    await detachLoop(dev);
  }
}

export async function writeFileText(dir: string, name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

/** Parse `NAME SIZE` lines of `lvs --noheadings -o lv_name,lv_size --units b --nosuffix` on the guest. */
export function parseLvs(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.trim().split('\n')) {
    const [n, s] = line.trim().split(/\s+/);
    if (n !== undefined && s !== undefined && /^\d+$/.test(s)) out[n] = Number(s);
  }
  return out;
}

export function expectClose(actual: number, expected: number, slack: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(slack);
}

export const IMAGE_ZST_AARCH64 = join(IMAGE_DIR, '3os-reference-aarch64.img.zst');
