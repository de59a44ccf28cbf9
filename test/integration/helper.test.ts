// The privileged writer helper as a real process (unelevated here: we are root): real job plans
// end to end through the one runner, malformed jobs and unsafe targets refused (a refused target
// is a failed result, left untouched), both transports, and parent death.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runJobInHelper } from '../../main/helper/launcher.js';
import { HELPER_EXIT } from '../../main/helper/protocol.js';
import type { JobEvent } from '../../flasher/progress.js';
import { renderBatch } from '../../provisioning/config/index.js';
import { seedOf, type FlashPlan } from '../../provisioning/plan/plan.js';
import { build3osImage } from '../../testkit/threeos-image.js';
import { attachLoop, detachAll } from '../../testkit/loop.js';

const repo = resolve(import.meta.dirname, '..', '..');
let build: string;
let entry: string;
let dir: string;

function rootDisk(): string {
  const src = execFileSync('findmnt', ['-n', '-o', 'SOURCE', '/'], { encoding: 'utf8' }).trim();
  const pk = execFileSync('lsblk', ['-n', '-d', '-o', 'PKNAME', src], { encoding: 'utf8' }).trim();
  return pk === '' ? src : `/dev/${pk}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  // Build into a private folder inside the repo (so node_modules resolves); others' half-done
  // files may have type errors, tsc still emits, so judge by the entry file existing.
  await fsp.mkdir(join(repo, '.cache'), { recursive: true });
  build = await fsp.mkdtemp(join(repo, '.cache', 'helper-build-'));
  spawnSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', build], { cwd: repo });
  entry = join(build, 'main', 'helper', 'entry.js');
  if (!existsSync(entry)) throw new Error('helper build failed: no entry.js');
  await fsp.writeFile(join(build, 'package.json'), '{"type":"module"}\n');
  dir = await fsp.mkdtemp(join(tmpdir(), '3os-helper-'));
}, 180_000);

/** Mounted by a test; unmounted after it, before its loop devices are detached. */
const mounts: string[] = [];

afterEach(async () => {
  for (const m of mounts.splice(0)) spawnSync('umount', [m]);
  await detachAll();
});

/** A flash plan of one image to the given targets (no grow, no eject: plain files and loops). */
function flash(image: string, targets: string[], over: Partial<FlashPlan> = {}): FlashPlan {
  return { kind: 'flash', image, targets: targets.map((path) => ({ path })), verify: true, grow: false, eject: false, ...over };
}

/** First MiB of a device we must never write (hashing all of the system disk is too slow). */
function headSha(dev: string): string {
  try {
    return createHash('sha256').update(execFileSync('head', ['-c', String(1024 * 1024), dev], { stdio: ['ignore', 'pipe', 'ignore'] })).digest('hex');
  } catch {
    return 'unreadable';
  }
}

const fileSha = async (p: string): Promise<string> => createHash('sha256').update(await fsp.readFile(p)).digest('hex');

afterAll(async () => {
  await fsp.rm(build, { recursive: true, force: true });
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('helper process', () => {
  it('runs a real job: writes a small image to a file target, streams progress, returns the summary', async () => {
    const image = join(dir, 'src.img');
    const data = randomBytes(3 * 1024 * 1024 + 4096);
    await fsp.writeFile(image, data);
    const target = join(dir, 'out.img');
    const events: JobEvent[] = [];
    const summary = await runJobInHelper(flash(image, [target]), (e) => events.push(e), { helperCommand: [process.execPath, entry], elevate: 'never' });
    expect(summary.kind).toBe('flash');
    expect(summary.results).toHaveLength(1);
    // Every image byte counts, the held-back first MiB included.
    expect(summary.results[0]).toMatchObject({ target, ok: true, verified: true, bytesWritten: data.length });
    expect(summary.imageSize).toBe(data.length);
    const written = await fsp.readFile(target);
    expect(written.subarray(0, data.length).equals(data)).toBe(true);
    expect(events.some((e) => e.kind === 'done' && e.ok)).toBe(true);
  });

  it('runs the whole flash of a 3os image: write, grow the data volume, seed the parent-rendered config', async () => {
    const img = await build3osImage(dir, 'helper-3os.img');
    const target = join(dir, 'helper-3os-out.img');
    await fsp.writeFile(target, '');
    await fsp.truncate(target, 512 * 1024 * 1024);
    const [rendered] = renderBatch('version: 1\nhostname: helper-{index:02}\n', [{ index: 1 }]).map((b) => b.rendered);
    if (rendered === undefined) throw new Error('no config');
    const seed = seedOf(rendered.seedFiles, rendered.config.hostname, rendered.digest);
    const plan: FlashPlan = { ...flash(img.path, [target], { grow: true }), targets: [{ path: target, seed }] };
    const summary = await runJobInHelper(plan, () => undefined, { helperCommand: [process.execPath, entry], elevate: 'never' });
    expect(summary.results[0]).toMatchObject({ ok: true, verified: true, grown: { diskSize: 512 * 1024 * 1024, changed: true }, seeded: { hostname: 'helper-01' } });
    const yaml = execFileSync('mtype', ['-i', `${target}@@${img.parts.config.start}`, '::/3os/config.yaml'], { encoding: 'utf8' });
    expect(yaml).toMatch(/hostname: helper-01/);
  });

  it('same over the socket transport (what macOS/Windows use), token checked both ways', async () => {
    const image = join(dir, 'src2.img');
    const data = randomBytes(1024 * 1024);
    await fsp.writeFile(image, data);
    const target = join(dir, 'out2.img');
    const summary = await runJobInHelper(flash(image, [target]), () => undefined, { helperCommand: [process.execPath, entry], elevate: 'never', transport: 'socket' });
    expect(summary.results[0]?.ok).toBe(true);
    expect((await fsp.readFile(target)).subarray(0, data.length).equals(data)).toBe(true);
  });

  it('refuses an unsafe target (the disk backing /) even though the parent asked; the safe one is still written', async () => {
    const image = join(dir, 'src3.img');
    await fsp.writeFile(image, Buffer.alloc(1024 * 1024, 7));
    const root = rootDisk();
    const before = headSha(root);
    const safe = join(dir, 'out3.img');
    const events: JobEvent[] = [];
    const opts = { helperCommand: [process.execPath, entry], elevate: 'never' } as const;
    const summary = await runJobInHelper(flash(image, [root, safe]), (e) => events.push(e), opts);
    expect(summary.results.map((r) => r.target)).toEqual([root, safe]);
    expect(summary.results[0]).toMatchObject({ ok: false, bytesWritten: 0, error: { code: 'E_TARGET_SYSTEM', phase: 'open', target: root } });
    expect(summary.results[1]).toMatchObject({ ok: true, verified: true });
    expect(events.some((e) => e.kind === 'done' && e.target === root && e.error?.code === 'E_TARGET_SYSTEM')).toBe(true);
    expect((await fsp.readFile(safe)).equals(await fsp.readFile(image))).toBe(true);
    // allowSystemDrive alone is not enough: nobody typed the drive's name back.
    const allowed = await runJobInHelper(flash(image, [root], { allowSystemDrive: true }), () => undefined, opts);
    expect(allowed.results[0]).toMatchObject({ ok: false, bytesWritten: 0, error: { phase: 'open' } });
    expect(allowed.results[0]?.error?.message).toMatch(/system drive: changing it needs its name typed back/);
    expect(headSha(root)).toBe(before);
  });

  it('every target refused: the result says why, and the helper exits REFUSED', async () => {
    const image = join(dir, 'src4.img');
    await fsp.writeFile(image, Buffer.alloc(1024 * 1024, 9));
    const token = randomBytes(32).toString('hex');
    const child = spawn(process.execPath, [entry, '--session', token], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.write(`${JSON.stringify({ type: 'job', token, job: flash(image, [rootDisk()]) })}\n`);
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    child.stdin.end();
    expect(code).toBe(HELPER_EXIT.REFUSED);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; event?: { kind: string }; summary?: { results: { ok: boolean; error?: { code: string; phase?: string } }[] } });
    expect(lines[0]?.type).toBe('hello');
    expect(lines.at(-1)?.type).toBe('result');
    expect(lines.filter((l) => l.event?.kind === 'done')).toHaveLength(1);
    expect(lines.some((l) => l.event?.kind === 'progress')).toBe(false);
    expect(lines.at(-1)?.summary?.results).toMatchObject([{ ok: false, error: { code: 'E_TARGET_SYSTEM', phase: 'open' } }]);
  });

  it('a mounted target is refused untouched unless the plan says unmount; then unmounted and written', async () => {
    const image = join(dir, 'src5.img');
    const data = randomBytes(2 * 1024 * 1024);
    await fsp.writeFile(image, data);
    const backing = join(dir, 'mounted.bin');
    await fsp.writeFile(backing, Buffer.alloc(0));
    await fsp.truncate(backing, 64 * 1024 * 1024);
    // No lazy init: the kernel must not write to the mounted fs behind our back between the two hashes.
    execFileSync('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', backing]);
    const dev = await attachLoop(backing);
    const mnt = await fsp.mkdtemp(join(tmpdir(), '3os-helper-mnt-'));
    execFileSync('mount', [dev, mnt]);
    mounts.push(mnt);
    execFileSync('sync');
    const before = await fileSha(backing);
    const opts = { helperCommand: [process.execPath, entry], elevate: 'never' } as const;

    const refused = await runJobInHelper(flash(image, [dev]), () => undefined, opts);
    expect(refused.results[0]).toMatchObject({ ok: false, bytesWritten: 0, error: { code: 'E_TARGET_BUSY', phase: 'open' } });
    expect(spawnSync('findmnt', ['-n', '-S', dev]).status).toBe(0);
    expect(await fileSha(backing)).toBe(before);

    const written = await runJobInHelper(flash(image, [dev], { unmount: true }), () => undefined, opts);
    expect(written.results[0]).toMatchObject({ ok: true, verified: true, unmounted: [mnt] });
    mounts.splice(mounts.indexOf(mnt), 1);
    expect(spawnSync('findmnt', ['-n', '-S', dev]).status).not.toBe(0);
    expect((await fsp.readFile(backing)).subarray(0, data.length).equals(data)).toBe(true);
    await fsp.rm(mnt, { recursive: true, force: true });
  });

  it('refuses a malformed job with an error line and exit code PROTOCOL', async () => {
    const token = randomBytes(32).toString('hex');
    const child = spawn(process.execPath, [entry, '--session', token], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.write(`${JSON.stringify({ type: 'job', token, job: { image: '/x', targets: [], wipe: true } })}\n`);
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(HELPER_EXIT.PROTOCOL);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; error?: { code: string } });
    expect(lines.map((l) => l.type)).toEqual(['hello', 'error']);
    expect(lines[1]?.error?.code).toBe('E_HELPER');
  });

  it('refuses to start without a valid session token', () => {
    const r = spawnSync(process.execPath, [entry, '--session', 'nope'], { input: '' });
    expect(r.status).toBe(HELPER_EXIT.PROTOCOL);
  });

  for (const withJob of [false, true]) {
    it(`exits within a few seconds when its parent is killed -9 (${withJob ? 'while a job waits on a source that never ends' : 'before any job'})`, async () => {
      const token = randomBytes(32).toString('hex');
      let job = '';
      // A source that never sends a byte: an HTTP server that accepts and never answers.
      const never = createServer(() => undefined);
      await new Promise<void>((r) => never.listen(0, '127.0.0.1', r));
      const port = (never.address() as AddressInfo).port;
      if (withJob) job = JSON.stringify(flash(`http://127.0.0.1:${port}/never.img`, [join(dir, 'never-out.img')]));
      const parent = spawn(process.execPath, [join(repo, 'test', 'integration', 'fixtures', 'helper-parent.mjs'), entry, token, job], { stdio: ['ignore', 'pipe', 'inherit'] });
      const helperPid = await new Promise<number>((r) => parent.stdout.once('data', (d: Buffer) => r(Number(d.toString().trim()))));
      try {
        await new Promise((r) => setTimeout(r, 500));
        expect(alive(helperPid)).toBe(true);
        parent.kill('SIGKILL');
        const t0 = Date.now();
        await expect.poll(() => alive(helperPid), { timeout: 10_000, interval: 100 }).toBe(false);
        expect(Date.now() - t0).toBeLessThan(10_000);
      } finally {
        if (alive(helperPid)) process.kill(helperPid, 'SIGKILL');
        never.closeAllConnections();
        never.close();
      }
    });
  }
});
