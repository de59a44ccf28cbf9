/**
 * The device agent's `apply` mode on its own (first boot from the config partition), under
 * dash and busybox ash with only the documented busybox applets on PATH: digest check,
 * validation, all-or-nothing commit, result.json; and the awk CRC-32 fallback.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_APPLETS, AGENT_SCRIPT } from '../../provisioning/serial/testing/agent-harness.js';
import { crc32Hex } from '../../provisioning/serial/frame.js';
import { BASIC_VALUES, configPair, layoutDevice } from './serial-fixtures.js';

describe.each([['dash'], ['ash']])('agent apply under %s', (shell) => {
  let base: string;
  let dirs: { root: string; config: string; boot: string; sys: string };
  let bin: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), '3os-agent-'));
    dirs = { root: join(base, 'root'), config: join(base, 'config'), boot: join(base, 'boot'), sys: join(base, 'sys') };
    layoutDevice(dirs);
    bin = join(base, 'bin');
    mkdirSync(bin);
    for (const a of AGENT_APPLETS) symlinkSync('/bin/busybox', join(bin, a));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const apply = (values: ReadonlyArray<readonly [string, string]>, edit?: (yaml: Buffer) => Buffer): { code: number | null; result: { status: string; errors: string[] } } => {
    const cfg = configPair(values);
    writeFileSync(join(dirs.config, '3os/config.yaml'), edit ? edit(cfg.yaml) : cfg.yaml);
    writeFileSync(join(dirs.config, '3os/config.agent'), cfg.agent);
    const cmd = shell === 'dash' ? ['/usr/bin/dash'] : ['/bin/busybox', 'ash'];
    const r = spawnSync(cmd[0] ?? '', [...cmd.slice(1), AGENT_SCRIPT, 'apply'], {
      env: { PATH: bin, TMPDIR: base, THREEOS_ROOT: dirs.root, THREEOS_CONFIG: dirs.config, THREEOS_BOOT: dirs.boot, THREEOS_SYSROOT: dirs.sys, THREEOS_LOG: join(base, 'log'), THREEOS_STATE: join(base, 'state') },
    });
    return { code: r.status, result: JSON.parse(readFileSync(join(dirs.config, '3os/result.json'), 'utf8')) as { status: string; errors: string[] } };
  };
  const rootFiles = (): string[] => (readdirSync(dirs.root, { recursive: true }) as string[]).sort();

  it('applies a config and reports it', () => {
    const r = apply(BASIC_VALUES);
    expect(r.code).toBe(0);
    expect(r.result.status).toBe('applied');
    expect(readFileSync(join(dirs.root, 'etc/hostname'), 'utf8')).toBe('edge-007\n');
    expect(rootFiles().filter((f) => f.endsWith('.3os-new'))).toEqual([]);
  });

  it('refuses a config.yaml edited by hand and applies nothing', () => {
    const before = rootFiles();
    const r = apply(BASIC_VALUES, (y) => Buffer.concat([y, Buffer.from('hostname: hacked\n')]));
    expect(r.code).toBe(1);
    expect(r.result.status).toBe('failed');
    expect(r.result.errors.join()).toMatch(/config\.yaml edited by hand/);
    expect(rootFiles()).toEqual(before);
  });

  it('rolls everything back when one file cannot be written', () => {
    writeFileSync(join(dirs.root, 'etc/blocker'), 'a file where the config wants a directory\n');
    const before = rootFiles();
    const passwd = readFileSync(join(dirs.root, 'etc/passwd'), 'utf8');
    // /etc/blocker is a file on the device, so /etc/blocker/x cannot be created: the last step fails
    const values = [...BASIC_VALUES.filter(([k]) => !k.startsWith('files.')), ['files.count', '1'], ['files.0.path', '/etc/blocker/x'], ['files.0.contents', 'x']] as const;
    const r = apply(values);
    expect(r.result.status).toBe('failed');
    expect(r.result.errors.join()).toMatch(/exists and is not a directory/);
    expect(rootFiles()).toEqual(before);
    expect(readFileSync(join(dirs.root, 'etc/passwd'), 'utf8')).toBe(passwd);
    expect(readFileSync(join(dirs.root, 'etc/hostname'), 'utf8')).toBe('localhost\n');
    // and a path that collides with another staged file is refused before anything is written
    const r2 = apply([...BASIC_VALUES.filter(([k]) => !k.startsWith('files.')), ['files.count', '1'], ['files.0.path', '/etc/hostname/x'], ['files.0.contents', 'x']]);
    expect(r2.result.errors.join()).toMatch(/files|hostname\/x: cannot be staged/);
    expect(rootFiles()).toEqual(before);
  });

  it('rejects bad values with field paths', () => {
    const r = apply([['hostname', '-bad-'], ['users.count', '1'], ['users.0.name', 'x:y'], ['net.count', '1'], ['net.0.iface', 'eth0'], ['net.0.addresses', '10.0.0.300/24'], ['serial.lock', 'true']]);
    expect(r.result.status).toBe('failed');
    expect(r.result.errors).toEqual(expect.arrayContaining([
      'hostname: not a valid RFC 1123 host name',
      'users.0.name: not a valid user name',
      'net.0.addresses: must be space-separated addresses in CIDR form',
      'serial.key: must be 64 lowercase hex digits (the derived key)',
    ]));
    expect(existsSync(join(dirs.root, 'etc/3os'))).toBe(false);
  });

  it('computes CRC-32 with awk when busybox has no crc32 applet', () => {
    rmSync(join(bin, 'crc32'));
    const proto = join(AGENT_SCRIPT, '../lib/proto.sh');
    const cmd = shell === 'dash' ? ['/usr/bin/dash'] : ['/bin/busybox', 'ash'];
    const body = '@3OS1 D 7 HELLO - cHJvdG89MQo=';
    const r = spawnSync(cmd[0] ?? '', [...cmd.slice(1), '-c', `. ${proto}; crc_of "$1"`, 'sh', body], { env: { PATH: bin } });
    expect(r.stdout.toString().trim()).toBe(crc32Hex(body));
  });
});
