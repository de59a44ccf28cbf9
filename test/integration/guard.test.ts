// The one guard, judged on real devices: for each verb that changes a disk (write, grow, seed,
// slot, repair), a mounted target, the system drive, the drive holding the job's input and a
// read-only loop are refused with their codes and stay byte-identical, through the CLI, the
// privileged helper (its real entry, spawned unelevated as root) and the dev bridge's runner.
// Then one write to four targets where only the good one is written.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../flasher/errors.js';
import { guardTargets, releaseAll } from '../../flasher/guard/guard.js';
import { runPlanDirect } from '../../main/backend/direct-runner.js';
import { runJobInHelper } from '../../main/helper/launcher.js';
import type { JobPlan } from '../../provisioning/plan/plan.js';
import { runCli } from '../../testkit/cli.js';
import { attachLoop, detachAll } from '../../testkit/loop.js';
import { systemDisk } from '../../testkit/system-disk.js';
import { build3osImage, type Built3os } from '../../testkit/threeos-image.js';

const repo = resolve(import.meta.dirname, '..', '..');
const MiB = 1024 * 1024;
let dir: string;
let img: Built3os;
let config: string;
let entry: string;
const mounts: string[] = [];
const holders: ChildProcess[] = [];

function sha(path: string): string {
  return createHash('sha256').update(execFileSync('cat', [path], { maxBuffer: 1 << 30 })).digest('hex');
}

/**
 * First MiB of a device we must never write (the system disk): hashing all of it is too slow,
 * and a sandbox may not even let root read it (then only the refusal can be judged).
 */
function headSha(dev: string): string {
  try {
    return createHash('sha256').update(execFileSync('head', ['-c', String(MiB), dev], { stdio: ['ignore', 'pipe', 'ignore'] })).digest('hex');
  } catch {
    return 'unreadable';
  }
}


/** A fresh copy of the 3os disk. */
async function copyOf(name: string): Promise<string> {
  const p = join(dir, name);
  await fsp.copyFile(img.path, p);
  return p;
}

interface Case {
  readonly name: string;
  readonly code: ErrorCode;
  /** The target, and the file whose bytes must not change (the device's backing file, or a head hash). */
  make(verb: Verb): Promise<{ target: string; file?: string; input?: string }>;
}

const cases: Case[] = [
  {
    name: 'a mounted target',
    code: 'E_TARGET_BUSY',
    make: async () => {
      const file = join(dir, `mounted-${Math.random().toString(16).slice(2)}.img`);
      await fsp.writeFile(file, Buffer.alloc(0));
      await fsp.truncate(file, 256 * MiB);
      execFileSync('mkfs.ext4', ['-q', '-F', file]);
      const target = await attachLoop(file);
      const mnt = await fsp.mkdtemp(join(tmpdir(), 'guard-mnt-'));
      execFileSync('mount', [target, mnt]);
      mounts.push(mnt);
      return { target, file };
    },
  },
  { name: 'the system drive', code: 'E_TARGET_SYSTEM', make: () => Promise.resolve({ target: systemDisk() }) },
  {
    name: 'the drive holding the input',
    code: 'E_TARGET_HOLDS_SOURCE',
    make: async (verb) => {
      // A loop device over the very file the job reads: the image, the config (seed) or the policy (grow).
      const name = `holder-${Math.random().toString(16).slice(2)}`;
      let file: string;
      if (verb === 'seed' || verb === 'grow') {
        file = join(dir, `${name}.yaml`);
        const text = verb === 'seed' ? 'version: 1\nhostname: on-the-target\n' : 'volumes:\n  - name: containers\n    size: 100%FREE\n';
        await fsp.writeFile(file, text.padEnd(MiB, '\n'));
      } else file = await copyOf(`${name}.img`);
      return { target: await attachLoop(file), file, input: file };
    },
  },
  {
    name: 'a read-only loop',
    code: 'E_TARGET_READONLY',
    make: async () => {
      const file = await copyOf(`ro-${Math.random().toString(16).slice(2)}.img`);
      return { target: await attachLoop(file, { readOnly: true }), file };
    },
  },
];

type Verb = 'write' | 'grow' | 'seed' | 'slot' | 'repair';
const verbs: Verb[] = ['write', 'grow', 'seed', 'slot', 'repair'];

function cliArgs(verb: Verb, target: string, input: string | undefined): string[] {
  switch (verb) {
    case 'write':
      return ['write', input ?? img.path, '--to', target, '--json', '--no-eject'];
    case 'grow':
      return ['grow', target, '--json', ...(input === undefined ? [] : ['--policy', input])];
    case 'seed':
      return ['seed', target, '--config', input ?? config, '--json'];
    case 'slot':
      return ['slot', target, 'b', '--json'];
    case 'repair':
      return ['repair', input ?? img.path, '--to', target, '--json'];
  }
}

function planOf(verb: Verb, target: string, input: string | undefined): JobPlan {
  const inputs = input === undefined ? undefined : [input];
  switch (verb) {
    case 'write':
      return { kind: 'flash', image: input ?? img.path, targets: [{ path: target }], verify: true, grow: true, eject: false };
    case 'grow':
      return { kind: 'grow', target, inputs };
    case 'seed':
      return { kind: 'seed', target, seed: { files: [{ path: '3os/config.yaml', base64: Buffer.from('hostname: x\n').toString('base64') }] }, inputs };
    case 'slot':
      return { kind: 'slot', target, slot: 'b', inputs };
    case 'repair':
      return { kind: 'repair', image: input ?? img.path, target };
  }
}

/** The input a verb reads that the "holds the input" target is built over. */
function needsInput(verb: Verb, c: Case): boolean {
  return c.code === 'E_TARGET_HOLDS_SOURCE' && verb !== 'slot';
}

beforeAll(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), '3os-guard-'));
  img = await build3osImage(dir, 'source.img');
  config = join(dir, 'config.yaml');
  await fsp.writeFile(config, 'version: 1\nhostname: guard-test\n');
  await fsp.mkdir(join(repo, '.cache'), { recursive: true });
  const build = await fsp.mkdtemp(join(repo, '.cache', 'guard-build-'));
  spawnSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', build], { cwd: repo });
  entry = join(build, 'main', 'helper', 'entry.js');
  if (!existsSync(entry)) throw new Error('helper build failed: no entry.js');
  await fsp.writeFile(join(build, 'package.json'), '{"type":"module"}\n');
}, 240_000);

afterEach(async () => {
  for (const m of mounts.splice(0)) spawnSync('umount', [m]);
  for (const h of holders.splice(0)) h.kill('SIGKILL');
  await detachAll();
});

afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
  await fsp.rm(resolve(entry, '..', '..', '..'), { recursive: true, force: true });
});

describe.each(verbs)('%s refuses unsafe targets and leaves them as they were', (verb) => {
  for (const c of cases) {
    if (c.code === 'E_TARGET_HOLDS_SOURCE' && verb === 'slot') continue; // slot reads no file
    it(`${c.name}: ${c.code} through the CLI, the helper and the dev bridge`, async () => {
      const { target, file, input } = await c.make(verb);
      const use = needsInput(verb, c) ? input : undefined;
      const before = file === undefined ? headSha(target) : sha(file);

      const cli = await runCli(cliArgs(verb, target, use));
      expect(cli.code, cli.out + cli.err).toBe(ERROR_CODES[c.code]);
      expect(cli.out + cli.err).not.toMatch(/internal error|at .*\.js:\d+/);

      const helper = await runJobInHelper(planOf(verb, target, use), () => undefined, { helperCommand: [process.execPath, entry], elevate: 'never' });
      expect(helper.results[0]?.error?.code).toBe(c.code);
      expect(helper.results[0]?.error?.phase).toBe('open');

      const bridge = await runPlanDirect(planOf(verb, target, use), () => undefined, new AbortController().signal);
      expect(bridge.results[0]?.error?.code).toBe(c.code);
      expect(bridge.results[0]?.bytesWritten).toBe(0);

      expect(file === undefined ? headSha(target) : sha(file)).toBe(before);
    }, 120_000);
  }
});

describe('one write, four targets: only the good one is written', () => {
  it('too small, wrong sector size and busy targets fail alone and stay byte-identical', async () => {
    const good = await attachLoop(await copyOf('good.img'));
    const smallFile = join(dir, 'small.img');
    await fsp.writeFile(smallFile, Buffer.alloc(0));
    await fsp.truncate(smallFile, 64 * MiB);
    const small = await attachLoop(smallFile);
    const k4File = join(dir, 'k4.img');
    await fsp.writeFile(k4File, Buffer.alloc(0));
    await fsp.truncate(k4File, 256 * MiB);
    const k4 = await attachLoop(k4File, { sectorSize: 4096 });
    const busyFile = await copyOf('busy.img');
    const busy = await attachLoop(busyFile);
    // Another program holds the busy one exclusively (as a second flasher or mkfs would).
    const holder = spawn('python3', ['-c', `import os,time,sys; fd=os.open('${busy}', os.O_RDONLY|os.O_EXCL); print('held', flush=True); time.sleep(120)`]);
    holders.push(holder);
    await new Promise<void>((ok) => holder.stdout.once('data', () => ok()));
    // Junk on the refused ones so "unchanged" is not "still zero".
    for (const f of [smallFile, k4File]) execFileSync('dd', ['if=/dev/urandom', `of=${f}`, 'bs=1M', 'count=4', 'conv=notrunc', 'status=none']);
    const before = [smallFile, k4File, busyFile].map(sha);

    const r = await runCli(['write', img.path, '--to', small, '--to', k4, '--to', busy, '--to', good, '--json', '--no-eject']);
    expect(r.code, r.err).toBe(103);
    const summary = r.out.split('\n').filter((l) => l.includes('"summary"')).map((l) => JSON.parse(l) as { results: { target: string; ok: boolean; bytesWritten: number; error?: { code: string; phase?: string } }[] })[0];
    const byTarget = new Map(summary?.results.map((x) => [x.target, x]));
    expect(byTarget.get(small)?.error?.code).toBe('E_TOO_SMALL');
    expect(byTarget.get(k4)?.error?.code).toBe('E_PARTITION_TABLE');
    expect(byTarget.get(busy)?.error?.code).toBe('E_TARGET_BUSY');
    for (const t of [small, k4, busy]) expect(byTarget.get(t)?.error?.phase).toBe('open');
    expect(byTarget.get(good)?.ok).toBe(true);
    // Every image byte counts, the held-back first MiB included.
    expect(byTarget.get(good)?.bytesWritten).toBe(img.size);
    expect([smallFile, k4File, busyFile].map(sha)).toEqual(before);
    expect(execFileSync('sgdisk', ['-v', good], { encoding: 'utf8' })).toMatch(/No problems found/);
  }, 180_000);
});

describe('the typed confirmation, for devices', () => {
  it('asks once for a loop device; a "no" takes nothing, --yes skips the question', async () => {
    const file = await copyOf('ask.img');
    const dev = await attachLoop(file);
    const asked: string[] = [];
    const no = guardTargets({ verb: 'grow', targets: [dev], confirm: (q) => (asked.push(q), Promise.resolve(false)) });
    await expect(no).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain(dev);
    const yes = await guardTargets({ verb: 'grow', targets: [dev], yes: true, confirm: (q) => (asked.push(q), Promise.resolve(false)) });
    expect(asked).toHaveLength(1);
    expect(yes.accepted.map((a) => a.target)).toEqual([dev]);
    await releaseAll(yes.accepted);
  }, 60_000);
});
