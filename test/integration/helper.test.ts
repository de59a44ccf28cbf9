// The privileged writer helper as a real process (unelevated here: we are root): the real write
// engine end to end, malformed and unsafe jobs refused, both transports, and parent death.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runJobInHelper, HelperRefusedError } from '../../main/helper/launcher.js';
import { HELPER_EXIT } from '../../main/helper/protocol.js';
import type { JobEvent } from '../../flasher/progress.js';
import { renderBatch } from '../../provisioning/config/index.js';
import { build3osImage } from '../../testkit/threeos-image.js';

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
    let accepted = false;
    const summary = await runJobInHelper({ image, targets: [target] }, (e) => events.push(e), {
      helperCommand: [process.execPath, entry],
      elevate: 'never',
      onAccepted: () => (accepted = true),
    });
    expect(accepted).toBe(true);
    expect(summary.results).toHaveLength(1);
    expect(summary.results[0]).toMatchObject({ target, ok: true });
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
    const seeds = [{ files: rendered.seedFiles.map((f) => ({ path: f.path, base64: Buffer.from(f.data).toString('base64') })), hostname: rendered.config.hostname }];
    const summary = await runJobInHelper({ image: img.path, targets: [target], seeds }, () => undefined, { helperCommand: [process.execPath, entry], elevate: 'never' });
    expect(summary.results[0]).toMatchObject({ ok: true, verified: true, grown: { diskSize: 512 * 1024 * 1024, changed: true }, seeded: { hostname: 'helper-01' } });
    const yaml = execFileSync('mtype', ['-i', `${target}@@${img.parts.config.start}`, '::/3os/config.yaml'], { encoding: 'utf8' });
    expect(yaml).toMatch(/hostname: helper-01/);
  });

  it('same over the socket transport (what macOS/Windows use), token checked both ways', async () => {
    const image = join(dir, 'src2.img');
    const data = randomBytes(1024 * 1024);
    await fsp.writeFile(image, data);
    const target = join(dir, 'out2.img');
    const summary = await runJobInHelper({ image, targets: [target] }, () => undefined, { helperCommand: [process.execPath, entry], elevate: 'never', transport: 'socket' });
    expect(summary.results[0]?.ok).toBe(true);
    expect((await fsp.readFile(target)).subarray(0, data.length).equals(data)).toBe(true);
  });

  it('refuses an unsafe job (target = the disk backing /) even though the parent asked', async () => {
    const image = join(dir, 'src3.img');
    await fsp.writeFile(image, Buffer.alloc(1024 * 1024, 7));
    const err = await runJobInHelper({ image, targets: [rootDisk()] }, () => undefined, { helperCommand: [process.execPath, entry], elevate: 'never' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelperRefusedError);
    expect((err as HelperRefusedError).code).toBe('E_TARGET_SYSTEM');
    expect((err as HelperRefusedError).refusals[0]?.target).toBe(rootDisk());
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
      if (withJob) job = JSON.stringify({ image: `http://127.0.0.1:${port}/never.img`, targets: [join(dir, 'never-out.img')] });
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
