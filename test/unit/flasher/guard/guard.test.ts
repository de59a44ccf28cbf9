// The guard on image-file targets (no root, no devices): the same rules and answers as for drives.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { guardTargets, refusalError, releaseAll } from '../../../../flasher/guard/guard.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'guard-unit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('guardTargets on image files', () => {
  it('lets a new file target through for write, and refuses it for a verb that edits a disk in place', async () => {
    const target = join(dir, 'new.img');
    const w = await guardTargets({ verb: 'write', targets: [target] });
    expect(w.refused).toEqual([]);
    expect(w.accepted.map((a) => a.target)).toEqual([target]);
    expect(w.accepted[0]?.handle.kind).toBe('file');
    await releaseAll(w.accepted);
    for (const verb of ['grow', 'seed', 'slot', 'repair'] as const) {
      const g = await guardTargets({ verb, targets: [target] });
      expect(g.accepted).toEqual([]);
      expect(g.refused.map((r) => r.code)).toEqual(['E_TARGET_MISSING']);
    }
  });

  it('refuses the source image itself and any other file the job reads, and says nothing was written', async () => {
    const image = join(dir, 'a.img');
    const config = join(dir, 'config.yaml');
    await writeFile(image, Buffer.alloc(4096));
    await writeFile(config, 'version: 1\n');
    const other = join(dir, 'out.img');
    const g = await guardTargets({ verb: 'write', targets: [image, config, other], source: image, inputs: [config] });
    expect(g.refused.map((r) => [r.target, r.code])).toEqual([
      [image, 'E_TARGET_HOLDS_SOURCE'],
      [config, 'E_TARGET_HOLDS_SOURCE'],
    ]);
    expect(g.accepted.map((a) => a.target)).toEqual([other]);
    const e = refusalError(g.refused[0] ?? { target: '', code: 'E_USAGE', message: '' });
    expect(e.phase).toBe('open');
    expect(e.message).toMatch(/nothing was written/);
    await releaseAll(g.accepted);
  });

  it('a file:// image URL names a local file for the holds-source rule', async () => {
    const image = join(dir, 'b.img');
    await writeFile(image, Buffer.alloc(4096));
    const g = await guardTargets({ verb: 'write', targets: [image], source: `file://${image}` });
    expect(g.refused.map((r) => r.code)).toEqual(['E_TARGET_HOLDS_SOURCE']);
  });

  it('a dry run judges like the real run but takes nothing', async () => {
    const disk = join(dir, 'disk.img');
    await writeFile(disk, Buffer.alloc(8192));
    const d = await guardTargets({ verb: 'grow', targets: [disk, join(dir, 'missing.img')], dryRun: true });
    expect(d.accepted).toEqual([]);
    expect(d.refused.map((r) => r.code)).toEqual(['E_TARGET_MISSING']);
  });

  it('tells a replacing verb that a file exists, and keeps quiet about it to an editing one', async () => {
    const disk = join(dir, 'exists.img');
    await writeFile(disk, Buffer.alloc(8192));
    const w = await guardTargets({ verb: 'write', targets: [disk] });
    expect(w.warnings.map((x) => x.code)).toContain('W_FILE_EXISTS');
    await releaseAll(w.accepted);
    const g = await guardTargets({ verb: 'grow', targets: [disk] });
    expect(g.warnings.map((x) => x.code)).not.toContain('W_FILE_EXISTS');
    await releaseAll(g.accepted);
  });

  it('asks on a terminal only for devices: image files need no typed confirmation', async () => {
    const disk = join(dir, 'c.img');
    await writeFile(disk, Buffer.alloc(8192));
    const asked: string[] = [];
    const g = await guardTargets({ verb: 'grow', targets: [disk], confirm: (q) => (asked.push(q), Promise.resolve(false)) });
    expect(asked).toEqual([]);
    expect(g.accepted).toHaveLength(1);
    await releaseAll(g.accepted);
  });

  it('a released handle cannot be used again', async () => {
    const disk = join(dir, 'd.img');
    await writeFile(disk, Buffer.alloc(8192));
    const g = await guardTargets({ verb: 'seed', targets: [disk] });
    const h = g.accepted[0]?.handle;
    expect(h).toBeDefined();
    const io = await h?.disk();
    expect(io?.size).toBe(8192);
    await h?.release();
    await expect(h?.disk()).rejects.toThrow(/after release/);
  });
});
