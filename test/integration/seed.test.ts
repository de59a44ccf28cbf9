/**
 * Seeding and inspecting through the CLI, judged by fsck.fat and mtools: a single seed, a batch
 * write of 4 loop devices with a hostname template, and refusals that must write nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachLoop, detachAll } from '../../testkit/loop.js';
import { runCli } from '../../testkit/cli.js';
import { sh, shOk } from '../../testkit/sh.js';
import { build3osImage, type Built3os } from '../../testkit/threeos-image.js';
import { ERROR_CODES } from '../../flasher/errors.js';

let dir: string;
let img: Built3os;
let sshKey: string;
const sha = async (p: string): Promise<string> => createHash('sha256').update(await readFile(p)).digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), '3os-seed-'));
  img = await build3osImage(dir);
  await shOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tech@factory', '-f', join(dir, 'id')]);
  sshKey = (await readFile(join(dir, 'id.pub'), 'utf8')).trim();
});
afterEach(detachAll);
afterAll(async () => {
  await detachAll();
  await rm(dir, { recursive: true, force: true });
});

function config(hostname: string): string {
  return [
    'version: 1',
    `hostname: ${hostname}`,
    'users:',
    '  - name: tech',
    '    password: "correct horse battery staple"',
    `    ssh_authorized_keys: ["${sshKey}"]`,
    '    sudo: true',
    'network:',
    '  version: 2',
    '  ethernets:',
    '    eth0: { addresses: [10.0.0.5/24], gateway4: 10.0.0.1 }',
    'timezone: Europe/Berlin',
    '',
  ].join('\n');
}

async function fsckConfig(path: string, offset: number): Promise<void> {
  const dev = await attachLoop(path, { offset, sizeLimit: img.parts.config.size });
  const r = await sh('fsck.fat', ['-n', dev]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

describe('seed', () => {
  it('writes the validated config (secrets hashed) into 3OS-CONFIG, readable by mtools; inspect shows it', async () => {
    const disk = join(dir, 'one.img');
    await copyFile(img.path, disk);
    const cfg = join(dir, 'one.yaml');
    await writeFile(cfg, config('edge-{index:03}'));
    const r = await runCli(['seed', disk, '--config', cfg, '--index', '7']);
    expect(r.code, r.err).toBe(0);
    await fsckConfig(disk, img.parts.config.start);
    const yaml = await shOk('mtype', ['-i', `${disk}@@${img.parts.config.start}`, '::/3os/config.yaml']);
    expect(yaml).toMatch(/hostname: edge-007/);
    expect(yaml).toMatch(/\$6\$/);
    expect(yaml).not.toMatch(/correct horse/);
    const listing = await shOk('mdir', ['-b', '-i', `${disk}@@${img.parts.config.start}`, '::/3os']);
    expect(listing).toMatch(/config\.agent/);
    expect(listing).toMatch(/image\.json/);

    // inspect: the image, the config (masked), no result yet; then the device reports back.
    const i1 = JSON.parse((await runCli(['inspect', disk, '--json'])).out) as { is3os: boolean; config: { hostname: string; users: { password_hash: string }[] }; configConsistent: boolean; result?: unknown };
    expect(i1.is3os).toBe(true);
    expect(i1.config.hostname).toBe('edge-007');
    expect(i1.config.users[0]?.password_hash).toBe('$6$********');
    expect(i1.configConsistent).toBe(true);
    expect(i1.result).toBeUndefined();
    await writeFile(join(dir, 'result.json'), JSON.stringify({ status: 'applied', errors: [], active_slot: 'a' }));
    await shOk('mcopy', ['-i', `${disk}@@${img.parts.config.start}`, join(dir, 'result.json'), '::/3os/result.json']);
    const i2 = await runCli(['inspect', disk]);
    expect(i2.out).toMatch(/first boot: applied/);
    expect(i2.out).toMatch(/hostname edge-007/);
  });

  it('refuses an invalid config with every problem listed, and writes nothing', async () => {
    const disk = join(dir, 'bad.img');
    await copyFile(img.path, disk);
    const before = await sha(disk);
    const cfg = join(dir, 'bad.yaml');
    await writeFile(cfg, 'version: 1\nhostnmae: x\ntimezone: Mars/Olympus\nusers: [{ name: tech, ssh_authorized_keys: ["ssh-ed25519 AAAAnotakey"] }]\n');
    const r = await runCli(['seed', disk, '--config', cfg]);
    expect(r.code).toBe(ERROR_CODES.E_CONFIG_INVALID);
    expect(r.err).toMatch(/hostnmae/);
    expect(r.err).toMatch(/hostname/);
    expect(r.err).toMatch(/timezone/);
    expect(r.err).toMatch(/ssh_authorized_keys/);
    expect(await sha(disk)).toBe(before);
  });
});

describe('write --config: a batch of 4', () => {
  it('gives 4 loop devices 4 distinct hostnames, each verified and grown', async () => {
    const devs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const f = join(dir, `b${i}.bin`);
      await shOk('truncate', ['-s', String(256 * 1024 * 1024), f]);
      devs.push(await attachLoop(f));
    }
    const cfg = join(dir, 'batch.yaml');
    await writeFile(cfg, config('edge-{index:03}'));
    const r = await runCli(['write', img.path, ...devs.flatMap((d) => ['--to', d]), '--config', cfg, '--yes', '--json']);
    expect(r.code, r.out + r.err).toBe(0);
    const summary = JSON.parse(r.out.trim().split('\n').at(-1) ?? '{}') as { results: { ok: boolean; seeded?: { hostname: string } }[] };
    expect(summary.results.map((x) => x.seeded?.hostname)).toEqual(['edge-001', 'edge-002', 'edge-003', 'edge-004']);
    for (const [i, d] of devs.entries()) {
      const yaml = await shOk('mtype', ['-i', `${d}@@${img.parts.config.start}`, '::/3os/config.yaml']);
      expect(yaml).toMatch(new RegExp(`hostname: edge-00${i + 1}`));
      await fsckConfig(d, img.parts.config.start);
    }
  });

  it('refuses duplicate hostnames in a batch before writing anything', async () => {
    const devs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const f = join(dir, `d${i}.bin`);
      await writeFile(f, Buffer.alloc(200 * 1024 * 1024, 0xa5));
      devs.push(await attachLoop(f));
    }
    const cfg = join(dir, 'dup.yaml');
    await writeFile(cfg, config('same-name'));
    const r = await runCli(['write', img.path, ...devs.flatMap((d) => ['--to', d]), '--config', cfg, '--yes']);
    expect(r.code).toBe(ERROR_CODES.E_CONFIG_INVALID);
    expect(r.err).toMatch(/same-name/);
    for (const d of devs) expect((await shOk('head', ['-c', '4', d])).charCodeAt(0)).not.toBe(0);
    const head = await readFile(join(dir, 'd0.bin'));
    expect(head[0]).toBe(0xa5);
  });
});
