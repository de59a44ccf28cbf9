/**
 * The whole-volume FAT check against fsck.fat -n, on volumes mkfs.fat and mtools made (FAT12,
 * FAT16, FAT32; subdirectories, long names, empty and multi-cluster files), damaged at random
 * in the FAT (every copy alike) and in the root directory. Judged by the real tool:
 * - a volume fsck.fat -n calls clean is never refused;
 * - a volume we accept while fsck.fat complains has only complaints the check deliberately
 *   tolerates (lost clusters and orphaned or broken long-name entries, which the writer leaves alone; the volume
 *   label; dosfstools 4.2's older short-name rule, relaxed in later dosfstools);
 * - a clean volume we write to is still clean for fsck.fat afterwards.
 */
import { copyFile, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDisk } from '../../flasher/disk-io.js';
import { isFlashError } from '../../flasher/errors.js';
import { parseBootSector } from '../../provisioning/fat/bpb.js';
import { openFat } from '../../provisioning/fat/index.js';
import { sh, shOk } from '../../testkit/sh.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fat-check-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** fsck.fat -n complaints that the check accepts on purpose (see the file comment). */
const TOLERATED = [/Reclaimed \d+ unused cluster/, /Orphan(ed)? long file ?name/i, /long filename sequence/, /Long filename fragment/, /Maybe the start bit/, /It could be that just the number/, /seems to match/, /Not auto-correcting/, /^Auto-deleting\.$/, /[Ll]abel/, /Bad short file name/, /Auto-renaming it/, /Renamed to FSCK/, /^\//, /Free cluster summary/, /Auto-correcting/, /Auto-removing/, /Auto-copying/];

async function build(type: 12 | 16 | 32, kib: number, spc: number): Promise<string> {
  const p = join(dir, `fat${type}.img`);
  await shOk('mkfs.fat', ['-C', '-F', String(type), '-s', String(spc), '-n', 'TEST', p, String(kib)]);
  const src = join(dir, `src${type}`);
  await mkdir(src, { recursive: true });
  const files: [string, number][] = [['small.txt', 10], ['medium.bin', 5000], ['A long file name.data', 1300], ['empty', 0]];
  for (const [n, size] of files) await writeFile(join(src, n), Buffer.alloc(size, 0x61));
  await shOk('mmd', ['-i', p, '::/dir1', '::/dir1/sub', '::/Long Directory Name']);
  for (const t of ['::/', '::/dir1/', '::/dir1/sub/', '::/Long Directory Name/']) {
    for (const [n] of files) await shOk('mcopy', ['-i', p, join(src, n), `${t}${n}`]);
  }
  return p;
}

function complaints(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !/^fsck\.fat \d/.test(l) && !/: \d+ files, \d+\/\d+ clusters$/.test(l) && !/Leaving filesystem unchanged/.test(l));
}

type Verdict = 'clean' | 'warnings' | 'damaged';

async function ours(path: string): Promise<{ verdict: Verdict; detail: string }> {
  const disk = await openDisk(path, { writable: false });
  try {
    const r = await (await openFat(disk, 0, disk.size)).check();
    if (r.problems.length > 0) return { verdict: 'damaged', detail: r.problems.join('; ') };
    return { verdict: r.warnings.length > 0 ? 'warnings' : 'clean', detail: r.warnings.join('; ') };
  } catch (e) {
    if (isFlashError(e) && e.code === 'E_FAT') return { verdict: 'damaged', detail: e.message };
    throw e;
  } finally {
    await disk.close();
  }
}

describe('the FAT check agrees with fsck.fat -n', () => {
  for (const [type, kib, spc] of [[12, 4096, 2], [16, 16384, 1], [32, 40960, 1]] as const) {
    it(`FAT${type}: 60 randomly damaged volumes`, async () => {
      const base = await build(type, kib, spc);
      const g = parseBootSector(await readFile(base).then((b) => b.subarray(0, 512)), kib * 1024);
      const rootAt = type === 32 ? g.dataOffset + (g.rootCluster - 2) * g.clusterSize : g.rootDirOffset;
      const rootLen = type === 32 ? g.clusterSize : 1024;
      let seed = 4242 + type;
      const rnd = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      const tally: Record<string, number> = {};
      for (let round = 0; round < 60; round++) {
        const p = join(dir, `work${type}.img`);
        await copyFile(base, p);
        const fh = await open(p, 'r+');
        const inFat = rnd(2) === 0;
        for (let k = 0; k < 1 + rnd(3); k++) {
          const v = Buffer.from([rnd(256)]);
          if (inFat) {
            const off = rnd(Math.min(g.fatBytes, 200));
            for (let c = 0; c < g.numFats; c++) await fh.write(v, 0, 1, g.fatOffset + c * g.fatBytes + off);
          } else await fh.write(v, 0, 1, rootAt + rnd(rootLen));
        }
        await fh.close();
        const fsck = await sh('fsck.fat', ['-n', p]);
        const said = complaints(fsck.text);
        const o = await ours(p);
        const key = `fsck ${fsck.code === 0 ? 'clean' : 'complains'}, ours ${o.verdict}`;
        tally[key] = (tally[key] ?? 0) + 1;
        const what = `round ${round}: ${key}: ours: ${o.detail}; fsck.fat: ${said.join(' / ')}`;
        if (fsck.code === 0) expect(o.verdict, what).not.toBe('damaged');
        else if (o.verdict !== 'damaged') expect(said.filter((l) => !TOLERATED.some((re) => re.test(l.trim()))), what).toEqual([]);
        if (fsck.code === 0 && o.verdict === 'clean') {
          // Writing to a volume we call clean keeps it clean.
          const disk = await openDisk(p, { writable: true });
          try {
            const vol = await openFat(disk, 0, disk.size, { check: true });
            await vol.writeFile('3os/config.yaml', Buffer.alloc(1500, 0x79), { mkdirs: true });
            await vol.flush();
          } finally {
            await disk.close();
          }
          const after = await sh('fsck.fat', ['-n', p]);
          expect(complaints(after.text), `${what}; after our write`).toEqual([]);
        }
      }
      expect(tally[`fsck complains, ours damaged`] ?? 0).toBeGreaterThan(25);
    });
  }
});
