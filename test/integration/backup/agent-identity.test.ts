/**
 * The agent's identity reset for clones (assets/agent/lib/identity.sh) under dash and busybox
 * ash with only the agent's busybox applets: a config partition with 3os/identity-reset gives
 * the device a new machine-id and removes its SSH host keys once per clone_id; a second boot,
 * or no marker, changes nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityResetFile } from '../../../provisioning/backup/identity.js';
import { AGENT_APPLETS, AGENT_SCRIPT } from '../../../provisioning/serial/testing/agent-harness.js';

const LIB = join(dirname(AGENT_SCRIPT), 'lib');
let base = '';
let bin = '';
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'agent-identity-'));
  bin = join(base, 'bin');
  mkdirSync(bin);
  for (const a of AGENT_APPLETS) symlinkSync('/bin/busybox', join(bin, a));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function run(shell: 'dash' | 'ash', dir: string): Promise<{ code: number | null; out: string }> {
  const script = `ROOT=${dir}/root; CFG=${dir}/cfg; SYSROOT=${dir}/sys
log() { printf 'log: %s\\n' "$*"; }
. "${LIB}/render.sh"
. "${LIB}/identity.sh"
identity_reset`;
  const cmd = shell === 'dash' ? ['/usr/bin/dash', '-c', script] : ['/bin/busybox', 'ash', '-c', script];
  const p = spawn(cmd[0] ?? '', cmd.slice(1), { env: { PATH: bin } });
  let out = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  p.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((resolve) => p.on('close', resolve));
  return { code, out };
}

describe.each([['dash'], ['ash']] as const)('identity reset under %s', (shell) => {
  it('new machine-id and no old host keys, once per clone_id', async () => {
    const dir = mkdtempSync(join(base, `${shell}-`));
    mkdirSync(join(dir, 'root/etc/ssh'), { recursive: true });
    mkdirSync(join(dir, 'cfg/3os'), { recursive: true });
    mkdirSync(join(dir, 'sys/proc/sys/kernel/random'), { recursive: true });
    writeFileSync(join(dir, 'root/etc/machine-id'), '0123456789abcdef0123456789abcdef\n');
    writeFileSync(join(dir, 'root/etc/ssh/ssh_host_ed25519_key'), 'secret of the golden device');
    writeFileSync(join(dir, 'root/etc/ssh/ssh_host_ed25519_key.pub'), 'ssh-ed25519 AAAA golden');
    writeFileSync(join(dir, 'root/etc/ssh/sshd_config'), 'kept\n');
    writeFileSync(join(dir, 'sys/proc/sys/kernel/random/uuid'), 'c0ffee00-1234-4abc-8def-0123456789ab\n');

    const none = await run(shell, dir);
    expect(none.code).toBe(0);
    expect(readFileSync(join(dir, 'root/etc/machine-id'), 'utf8')).toBe('0123456789abcdef0123456789abcdef\n');

    const marker = identityResetFile('/dev/sdz');
    writeFileSync(join(dir, 'cfg', marker.path), marker.data);
    const first = await run(shell, dir);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain('new machine-id');
    expect(readFileSync(join(dir, 'root/etc/machine-id'), 'utf8')).toBe('c0ffee0012344abc8def0123456789ab\n');
    expect(existsSync(join(dir, 'root/etc/ssh/ssh_host_ed25519_key'))).toBe(false);
    expect(existsSync(join(dir, 'root/etc/ssh/ssh_host_ed25519_key.pub'))).toBe(false);
    expect(readFileSync(join(dir, 'root/etc/ssh/sshd_config'), 'utf8')).toBe('kept\n');
    const id = /clone_id=(\S+)/.exec(marker.data.toString())?.[1] ?? '';
    expect(readFileSync(join(dir, 'root/etc/3os/identity-reset'), 'utf8')).toContain(`clone_id=${id}`);

    // The next boot (same clone) keeps what the device made of itself.
    writeFileSync(join(dir, 'sys/proc/sys/kernel/random/uuid'), 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\n');
    writeFileSync(join(dir, 'root/etc/ssh/ssh_host_ed25519_key'), 'its own key');
    const again = await run(shell, dir);
    expect(again.code).toBe(0);
    expect(readFileSync(join(dir, 'root/etc/machine-id'), 'utf8')).toBe('c0ffee0012344abc8def0123456789ab\n');
    expect(readFileSync(join(dir, 'root/etc/ssh/ssh_host_ed25519_key'), 'utf8')).toBe('its own key');
  });
});
