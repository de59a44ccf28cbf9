/**
 * Test fixtures for the serial tests: small config.yaml + config.agent pairs in the agent
 * form (written here because the config author's renderer may not exist yet), and the fake
 * boot partitions the agent switches slots on.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function agentForm(values: ReadonlyArray<readonly [string, string]>, yaml: Buffer): Buffer {
  const lines = ['# 3os-agent-config v1'];
  for (const [k, v] of values) lines.push(`${k}=${Buffer.from(v, 'utf8').toString('base64')}`);
  lines.push(`digest=${createHash('sha256').update(yaml).digest('hex')}`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

export interface ConfigPair {
  readonly yaml: Buffer;
  readonly agent: Buffer;
}

export function configPair(values: ReadonlyArray<readonly [string, string]>): ConfigPair {
  const yaml = Buffer.from(`version: 1\n# fixture\n${values.map(([k, v]) => `# ${k}: ${JSON.stringify(v)}`).join('\n')}\n`);
  return { yaml, agent: agentForm(values, yaml) };
}

export const BASIC_VALUES: ReadonlyArray<readonly [string, string]> = [
  ['hostname', 'edge-007'],
  ['timezone', 'Europe/Berlin'],
  ['locale', 'de_DE.UTF-8'],
  ['ssh.enabled', 'true'],
  ['ssh.password_authentication', 'false'],
  ['users.count', '1'],
  ['users.0.name', 'ops'],
  ['users.0.password_hash', '$6$saltsalt$hashhashhash'],
  ['users.0.groups', 'wheel'],
  ['users.0.sudo', 'true'],
  ['users.0.ssh_authorized_keys', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFixture ops@factory'],
  ['files.count', '1'],
  ['files.0.path', '/etc/3os/motd'],
  ['files.0.mode', '0640'],
  ['files.0.owner', 'ops'],
  ['files.0.contents', 'provisioned over serial\n'],
];

/** The values plus a serial lock with the given derived key. */
export function lockedValues(saltHex: string, derivedKeyHex: string): Array<readonly [string, string]> {
  return [...BASIC_VALUES, ['serial.lock', 'true'], ['serial.salt', saltHex], ['serial.key', derivedKeyHex]];
}

/** A minimal target root and a UEFI boot partition with slot a good and slot b counting. */
export function layoutDevice(dirs: { root: string; boot: string; config: string; sys: string }): void {
  mkdirSync(join(dirs.root, 'etc'), { recursive: true });
  writeFileSync(join(dirs.root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(dirs.root, 'etc/group'), 'root:x:0:\nwheel:x:10:\n');
  writeFileSync(join(dirs.root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n');
  writeFileSync(join(dirs.root, 'etc/hostname'), 'localhost\n');
  mkdirSync(join(dirs.boot, 'loader/entries'), { recursive: true });
  writeFileSync(join(dirs.boot, 'loader/loader.conf'), 'timeout 3\ndefault 3os-a.conf\n');
  writeFileSync(join(dirs.boot, 'loader/entries/3os-a.conf'), 'title 3os (slot a)\nlinux /a/vmlinuz\noptions root=PARTLABEL=3os-root-a 3os.slot=a\n');
  writeFileSync(join(dirs.boot, 'loader/entries/3os-b+3-0.conf'), 'title 3os (slot b)\nlinux /b/vmlinuz\noptions root=PARTLABEL=3os-root-b 3os.slot=b\n');
  mkdirSync(join(dirs.config, '3os'), { recursive: true });
  writeFileSync(join(dirs.config, '3os/image.json'), '{"flavor": "debian", "version": "2026.11.1", "arch": "x86_64", "boards": ["pc"]}\n');
  mkdirSync(join(dirs.sys, 'proc/sys/kernel/random'), { recursive: true });
  mkdirSync(join(dirs.sys, 'sys/class/dmi/id'), { recursive: true });
  writeFileSync(join(dirs.sys, 'proc/cmdline'), 'root=PARTLABEL=3os-root-a 3os.slot=a quiet\n');
  writeFileSync(join(dirs.sys, 'proc/sys/kernel/random/boot_id'), '6f1c1b0e-9d1c-4bfa-a6c5-2b8e1f3a9c01\n');
  writeFileSync(join(dirs.sys, 'sys/class/dmi/id/product_name'), 'Fixture Edge Box\n');
  writeFileSync(join(dirs.sys, 'sys/class/dmi/id/product_serial'), 'SN-0042\n');
}
