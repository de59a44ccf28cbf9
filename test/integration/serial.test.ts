/**
 * The serial protocol end to end: the real agent (dash and busybox ash, busybox applets only)
 * on one end of a socat pty pair, the real host client through the serialport adapter on the
 * other, paced at 115200 baud by LinkSim, with echo/noise/flip/drop/cut faults.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startAgentHarness, type AgentHarness, type AgentShell } from '../../provisioning/serial/testing/agent-harness.js';
import { openSerialPort, type OpenPort } from '../../provisioning/serial/port.js';
import { LinkSim, type LinkFaults } from '../../provisioning/serial/link-sim.js';
import { FrameTransport } from '../../provisioning/serial/transport.js';
import { SerialClient, type ClientOptions } from '../../provisioning/serial/client.js';
import { pushConfig, transferId } from '../../provisioning/serial/transfer.js';
import { packConfigArchive } from '../../provisioning/serial/archive.js';
import { deriveSerialKey } from '../../provisioning/serial/auth.js';
import { benchSerialThroughput } from '../../provisioning/serial/bench.js';
import { serialCommand } from '../../main/cli/commands/serial.js';
import { layoutDevice, configPair, BASIC_VALUES, lockedValues } from './serial-fixtures.js';

const T = 180_000;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.each<AgentShell>(['dash', 'ash'])('serial protocol, agent under %s', (shell) => {
  let h: AgentHarness;
  let port: OpenPort | undefined;
  const links: LinkSim[] = [];
  const root = (p: string): string => join(h.dirs.root, p);

  beforeEach(async () => {
    h = await startAgentHarness({ shell, prepare: layoutDevice });
  });
  afterEach(async () => {
    for (const l of links.splice(0)) l.destroy();
    await port?.close();
    port = undefined;
    await h.stop();
  });

  async function connect(faults: LinkFaults = {}, opts: ClientOptions = {}): Promise<{ client: SerialClient; link: LinkSim; transport: FrameTransport }> {
    port ??= await openSerialPort(h.hostPath, { baud: 115200 });
    const link = new LinkSim(port.stream, 115200, faults);
    links.push(link);
    const transport = new FrameTransport(link);
    return { client: new SerialClient(transport, { port: h.hostPath, ...opts }), link, transport };
  }

  function bigValues(n: number): Array<readonly [string, string]> {
    // printable, incompressible-looking contents so that the config spans many chunks
    const text = randomBytes(n).toString('base64');
    return BASIC_VALUES.map(([k, v]) => (k === 'files.0.contents' ? ([k, text] as const) : ([k, v] as const)));
  }

  it('hello, push, status, logs, slot switch, mark good, reboot', { timeout: T }, async () => {
    const { client } = await connect();
    const info = await client.hello();
    expect(info).toMatchObject({ proto: 1, model: 'Fixture Edge Box', serial: 'SN-0042', flavor: 'debian', version: '2026.11.1', arch: 'x86_64', activeSlot: 'a', platform: 'uefi', provisioned: false, locked: false });
    expect(await client.status()).toBeUndefined();

    const cfg = configPair(BASIC_VALUES);
    const r = await pushConfig(client, cfg);
    expect(r.status).toBe('applied');
    expect(r.result.digest).toBe(sha(cfg.yaml));
    // what the device wrote
    expect(readFileSync(root('etc/hostname'), 'utf8')).toBe('edge-007\n');
    expect(readFileSync(root('etc/hosts'), 'utf8')).toMatch(/^127\.0\.1\.1\tedge-007 edge-007$/m);
    expect(readFileSync(root('etc/passwd'), 'utf8')).toMatch(/^ops:x:1000:1000::\/home\/ops:\/bin\/sh$/m);
    expect(readFileSync(root('etc/shadow'), 'utf8')).toMatch(/^ops:\$6\$saltsalt\$hashhashhash:\d+:/m);
    expect(readFileSync(root('etc/group'), 'utf8')).toMatch(/^wheel:x:10:ops$/m);
    const keys = root('home/ops/.ssh/authorized_keys');
    expect(readFileSync(keys, 'utf8')).toBe('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFixture ops@factory\n');
    expect(statSync(keys).mode & 0o777).toBe(0o600);
    expect(statSync(root('home/ops/.ssh')).mode & 0o777).toBe(0o700);
    expect(statSync(keys).uid).toBe(1000);
    expect(statSync(root('etc/3os/motd')).mode & 0o777).toBe(0o640);
    expect(statSync(root('etc/3os/motd')).uid).toBe(1000);
    expect(readlinkSync(root('etc/localtime'))).toBe('/usr/share/zoneinfo/Europe/Berlin');
    expect(readFileSync(root('etc/ssh/sshd_config.d/50-3os.conf'), 'utf8')).toMatch(/^PasswordAuthentication no$/m);
    expect(readFileSync(root('etc/sudoers.d/3os-ops'), 'utf8')).toBe('ops ALL=(ALL:ALL) ALL\n');
    expect(readFileSync(join(h.dirs.config, '3os/config.yaml')).equals(cfg.yaml)).toBe(true);
    expect(readFileSync(join(h.dirs.config, '3os/config.agent')).equals(cfg.agent)).toBe(true);

    const status = (await client.status()) as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'applied', errors: [], active_slot: 'a', boot_id: '6f1c1b0e-9d1c-4bfa-a6c5-2b8e1f3a9c01', digest: sha(cfg.yaml) });
    expect(await client.logs(20)).toMatch(/apply: applied/);
    expect((await client.hello()).provisioned).toBe(true);

    expect(await client.slotShow()).toEqual({ platform: 'uefi', active: 'a', default: 'a', a: 'good', b: 'trying:3' });
    const s = await client.slotSet('b');
    expect(s.default).toBe('b');
    // b is still on trial (3os-b+3.conf): named by a pattern that stops matching when its tries are used up
    expect(readFileSync(join(h.dirs.boot, 'loader/loader.conf'), 'utf8')).toBe('timeout 3\ndefault 3os-b+[1-9]*.conf\n');
    // the device "reboots" into b; marking it good drops the boot counter from its entry name
    writeFileSync(join(h.dirs.sys, 'proc/cmdline'), 'root=PARTLABEL=3os-root-b 3os.slot=b\n');
    const g = await client.slotGood();
    expect(g).toMatchObject({ active: 'b', b: 'good' });
    expect(existsSync(join(h.dirs.boot, 'loader/entries/3os-b.conf'))).toBe(true);
    expect(existsSync(join(h.dirs.boot, 'loader/entries/3os-b+3-0.conf'))).toBe(false);
    expect(readFileSync(join(h.dirs.boot, 'loader/loader.conf'), 'utf8')).toBe('timeout 3\ndefault 3os-b.conf\n');

    await client.reboot();
    const rebootLog = join(h.dirs.base, 'reboot.log');
    for (let i = 0; i < 50 && !existsSync(rebootLog); i++) await new Promise((res) => setTimeout(res, 100));
    expect(readFileSync(rebootLog, 'utf8')).toBe('rebooted\n');
  });

  it('completes a push through echo, kernel log noise, flipped bytes and dropped lines', { timeout: T }, async () => {
    const { client, link, transport } = await connect({ echo: true, noiseEvery: 10, flipEvery: 17, dropEvery: 23 });
    await client.hello();
    const values = bigValues(6_000);
    const r = await pushConfig(client, configPair(values));
    expect(r.status).toBe('applied');
    // Faults were really injected and seen (which frames they hit is up to chance).
    expect(r.retransmits + transport.stats.corrupt).toBeGreaterThan(0);
    expect(link.stats.noise).toBeGreaterThan(0);
    expect(link.stats.flipped).toBeGreaterThan(0);
    expect(link.stats.dropped).toBeGreaterThan(0);
    expect(transport.stats.echoes).toBeGreaterThan(0);
    expect(transport.stats.corrupt).toBeGreaterThan(0);
    expect(readFileSync(root('etc/3os/motd'), 'utf8')).toBe(values.find(([k]) => k === 'files.0.contents')?.[1]);
  });

  it('resumes after the link is cut mid-transfer and applies nothing before the end', { timeout: T }, async () => {
    const cfg = configPair(bigValues(24_000));
    const first = await connect({ cutAfterBytes: 16_000 }, { timeoutMs: 1500, retries: 1 });
    await first.client.hello();
    await expect(pushConfig(first.client, cfg, { maxRetries: 2 })).rejects.toThrow(/transfer failed after 2 retries|no answer/);
    expect(first.link.stats.cut).toBe(true);
    expect(readFileSync(root('etc/hostname'), 'utf8')).toBe('localhost\n');
    expect(existsSync(join(h.dirs.config, '3os/config.yaml'))).toBe(false);
    first.link.destroy();

    const second = await connect();
    await second.client.hello();
    const r = await pushConfig(second.client, cfg);
    expect(r.resumedFrom).toBeGreaterThan(8000);
    expect(r.status).toBe('applied');
    expect(readFileSync(root('etc/hostname'), 'utf8')).toBe('edge-007\n');
  });

  it('discards a payload whose SHA-256 does not match and applies nothing', { timeout: T }, async () => {
    const { client } = await connect();
    await client.hello();
    const good = packConfigArchive({ 'config.yaml': configPair(BASIC_VALUES).yaml, 'config.agent': configPair(BASIC_VALUES).agent });
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 5] = (corrupt[corrupt.length - 5] ?? 0) ^ 1; // what arrives differs from what the SHA-256 promises
    const digest = sha(good);
    const xid = transferId(digest);
    expect((await client.request('BEGIN', `${xid},${good.length},${digest},config`)).args).toBe(`${xid},0`);
    for (let off = 0; off < corrupt.length; off += 2048) {
      const ack = await client.request('DATA', `${xid},${off}`, corrupt.subarray(off, off + 2048));
      expect(ack.type).toBe('ACK');
    }
    await expect(client.request('COMMIT', `${xid},${digest}`)).rejects.toThrow(/SHA-256/);
    expect(readFileSync(root('etc/hostname'), 'utf8')).toBe('localhost\n');
    expect(existsSync(join(h.dirs.config, '3os/config.agent'))).toBe(false);
  });

  it('rejects an invalid config with the field list and writes nothing', { timeout: T }, async () => {
    const { client } = await connect();
    const bad = BASIC_VALUES.map(([k, v]) => (k === 'hostname' ? ([k, 'bad_host!'] as const) : k === 'files.0.path' ? ([k, '/etc/../shadow'] as const) : ([k, v] as const)));
    await expect(pushConfig(client, configPair([...bad, ['colour', 'blue']]))).rejects.toThrow(/rejected the config: .*hostname: not a valid RFC 1123 host name.*files\.0\.path: must not contain \. or \.\. components.*colour: unknown key|rejected the config: .*colour: unknown key.*hostname/);
    expect(readFileSync(root('etc/hostname'), 'utf8')).toBe('localhost\n');
    expect(existsSync(join(h.dirs.config, '3os/config.yaml'))).toBe(false);
    expect(existsSync(root('etc/3os'))).toBe(false);
  });

  it('locks with the serial key: refuses unauthenticated changes and a wrong key', { timeout: T }, async () => {
    const salt = randomBytes(16).toString('hex');
    const key = await deriveSerialKey('correct horse', salt);
    const open = await connect();
    await pushConfig(open.client, configPair(lockedValues(salt, key)));
    const loader = (): string => readFileSync(join(h.dirs.boot, 'loader/loader.conf'), 'utf8');

    const anon = await connect();
    const info = await anon.client.hello();
    expect(info).toMatchObject({ locked: true, salt, provisioned: true });
    await expect(anon.client.slotSet('b')).rejects.toThrow(/locked.*--key/);
    // even a hand-made request without auth is refused by the device itself
    await expect(anon.client.request('SLOT', 'set,b')).rejects.toThrow(/locked/);
    await expect(anon.client.request('REBOOT')).rejects.toThrow(/locked/);
    expect(loader()).toBe('timeout 3\ndefault 3os-a.conf\n');

    const wrong = await connect({}, { key: 'wrong horse' });
    await expect(wrong.client.slotSet('b')).rejects.toThrow(/wrong key/);
    await expect(pushConfig(wrong.client, configPair(BASIC_VALUES))).rejects.toThrow(/wrong key/);
    expect(loader()).toBe('timeout 3\ndefault 3os-a.conf\n');
    expect(existsSync(root('etc/3os/serial-lock'))).toBe(true);

    const right = await connect({}, { key: 'correct horse' });
    expect((await right.client.slotSet('b')).default).toBe('b');
    expect(loader()).toBe('timeout 3\ndefault 3os-b+[1-9]*.conf\n');
    // re-provisioning without a lock unlocks the device
    expect((await pushConfig(right.client, configPair(BASIC_VALUES))).status).toBe('applied');
    expect(lstatSync(root('etc/hostname')).isFile()).toBe(true);
    expect(existsSync(root('etc/3os/serial-lock'))).toBe(false);
  });
});

describe('serial CLI and throughput', () => {
  it('3os-flash serial hello/push/status --json against the agent', { timeout: T }, async () => {
    const h = await startAgentHarness({ shell: 'dash', prepare: layoutDevice });
    try {
      const cfg = configPair(BASIC_VALUES);
      writeFileSync(join(h.dirs.base, 'config.yaml'), cfg.yaml);
      writeFileSync(join(h.dirs.base, 'config.agent'), cfg.agent);
      const run = async (...args: string[]): Promise<{ code: number; out: string }> => {
        const out = new PassThrough();
        const err = new PassThrough();
        let text = '';
        out.on('data', (c: Buffer) => (text += c.toString()));
        const code = await serialCommand.run(args, { out, err, stdin: new PassThrough(), env: {} });
        return { code, out: text };
      };
      const hello = await run('hello', '--port', h.hostPath, '--json');
      expect(hello.code).toBe(0);
      expect(JSON.parse(hello.out)).toMatchObject({ kind: 'hello', model: 'Fixture Edge Box', provisioned: false });
      const push = await run('push', join(h.dirs.base, 'config.agent'), '--port', h.hostPath, '--json');
      expect(push.code).toBe(0);
      expect(push.out).toMatch(/"kind":"push".*"status":"applied"/);
      const status = await run('status', '--port', h.hostPath, '--json');
      expect(JSON.parse(status.out)).toMatchObject({ kind: 'status', result: { status: 'applied', digest: sha(cfg.yaml) } });
      await expect(run('hello', '--port', join(h.dirs.base, 'nope'))).rejects.toThrow(/no such serial port/);
    } finally {
      await h.stop();
    }
  });

  it('says what it heard when nothing answers', { timeout: T }, async () => {
    const h = await startAgentHarness({ shell: 'dash', prepare: layoutDevice });
    try {
      await h.stopAgent();
      const port = await openSerialPort(h.hostPath);
      try {
        // a device console that prints a login prompt but runs no agent
        const { spawn } = await import('node:child_process');
        const p = spawn('sh', ['-c', `printf 'Debian GNU/Linux 12 edge ttyS0\\r\\nedge login: ' > ${h.devicePath}`]);
        await new Promise((res) => p.once('exit', res));
        const client = new SerialClient(new FrameTransport(port.stream), { port: h.hostPath, wakeMs: 1500 });
        await expect(client.hello()).rejects.toThrow(/no answer from the 3os agent.*edge login: /);
      } finally {
        await port.close();
      }
    } finally {
      await h.stop();
    }
  });

  it('moves 64 KiB at >= 60% of 115200 baud', { timeout: T }, async () => {
    const r = await benchSerialThroughput();
    console.log(`serial throughput: ${r.bytes} B in ${r.seconds.toFixed(2)} s = ${Math.round(r.bytesPerSecond)} B/s (${(r.lineUtilisation * 100).toFixed(1)}% of 115200 8N1), ${r.retransmits} retransmits`);
    expect(r.lineUtilisation).toBeGreaterThanOrEqual(0.6);
  });
});
