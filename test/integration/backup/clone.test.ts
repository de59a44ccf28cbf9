/**
 * `3os-flash clone` on real loop devices: a used 3os disk copied to two bigger targets through
 * the fan-out, with a CSV of hostnames: each target gets its own hostname and its own
 * identity-reset marker, is grown, and sgdisk -v / vgck / e2fsck -fn / fsck.fat accept it with
 * the source's files; the source's sha256 is unchanged; a target that is the source is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CODES } from '../../../flasher/errors.js';
import { sha256Of } from '../../../testkit/file-bytes.js';
import { runCli } from '../../../testkit/cli.js';
import { attachLoop, detachLoop } from '../../../testkit/loop.js';
import { lvmRun } from '../../../testkit/lvm.js';
import { sh, shOk } from '../../../testkit/sh.js';
import { build3osImage, type Built3os } from '../../../testkit/threeos-image.js';

const MiB = 1024 * 1024;
let dir: string;
let built: Built3os;
let src: string;
let srcSha: string;
const data = randomBytes(5 * MiB);


beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clone-'));
  built = await build3osImage(dir);
  const lvStart = built.parts.data.start + 17 * MiB;
  const fs = await attachLoop(built.path, { offset: lvStart, sizeLimit: 32 * MiB });
  await writeFile(join(dir, 'data.bin'), data);
  await shOk('debugfs', ['-w', '-R', `write ${join(dir, 'data.bin')} data.bin`, fs]);
  await detachLoop(fs);
  src = await attachLoop(built.path);
  srcSha = await sha256Of(src);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('clone', () => {
  it('copies a used 3os disk to two targets, each with its own hostname and identity reset, grown and clean', async () => {
    const targets: string[] = [];
    for (const n of ['t1', 't2']) {
      const f = join(dir, `${n}.img`);
      await writeFile(f, Buffer.alloc(0));
      await shOk('truncate', ['-s', String(256 * MiB), f]);
      targets.push(await attachLoop(f));
    }
    const cfg = join(dir, 'c.yaml');
    await writeFile(cfg, 'version: 1\nhostname: edge-{index:03}\n');
    const csv = join(dir, 'hosts.csv');
    await writeFile(csv, 'hostname\nfactory-north\nfactory-south\n');
    const r = await runCli(['clone', src, ...targets.flatMap((t) => ['--to', t]), '--config', cfg, '--csv', csv, '--yes', '--json']);
    expect(r.code, r.out + r.err).toBe(0);
    const summary = JSON.parse(r.out.trim().split('\n').at(-1) ?? '{}') as { results: { ok: boolean; verified: boolean; seeded?: { hostname: string }; grown?: { changed: boolean } }[] };
    expect(summary.results.map((x) => x.seeded?.hostname)).toEqual(['factory-north', 'factory-south']);
    expect(summary.results.every((x) => x.ok && x.verified && x.grown?.changed === true)).toBe(true);
    expect(r.out).toContain('in use');
    const ids = new Set<string>();
    for (const [i, t] of targets.entries()) {
      expect((await sh('sgdisk', ['-v', t])).text).toContain('No problems found');
      const yaml = await shOk('mtype', ['-i', `${t}@@${built.parts.config.start}`, '::/3os/config.yaml']);
      expect(yaml).toContain(`hostname: ${i === 0 ? 'factory-north' : 'factory-south'}`);
      const reset = await shOk('mtype', ['-i', `${t}@@${built.parts.config.start}`, '::/3os/identity-reset']);
      const id = /^clone_id=(\S+)$/m.exec(reset)?.[1];
      expect(id).toBeDefined();
      ids.add(id ?? '');
      const cfgPart = await attachLoop(t, { offset: built.parts.config.start, sizeLimit: built.parts.config.size });
      expect((await sh('fsck.fat', ['-n', cfgPart])).code).toBe(0);
      await detachLoop(cfgPart);
      const fs = await attachLoop(t, { offset: built.parts.data.start + 17 * MiB });
      const fsck = await sh('e2fsck', ['-fn', fs]);
      expect(fsck.code, fsck.text).toBe(0);
      expect((await sh('debugfs', ['-R', 'cat data.bin', fs])).bytes.equals(data)).toBe(true);
      await detachLoop(fs);
      const pv = await attachLoop(t, { offset: built.parts.data.start });
      const ck = await lvmRun(pv, 'vgck', '3os');
      expect(ck.code, ck.text).toBe(0);
      await detachLoop(pv);
    }
    expect(ids.size).toBe(2);
    expect(await sha256Of(src)).toBe(srcSha);
  });

  it('refuses the source drive as a target and writes nothing', async () => {
    const r = await runCli(['clone', src, '--to', src, '--yes']);
    expect(r.code, r.err).toBe(ERROR_CODES.E_TARGET_HOLDS_SOURCE);
    expect(await sha256Of(src)).toBe(srcSha);
  });
});
