// Builds a fake root (sys/block, sys/devices, proc/self/mountinfo, proc/swaps) so the sysfs
// readers and the system-disk resolver can be tested on machines we do not have.
import { promises as fsp } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { tmpdir } from 'node:os';

export interface FakeDisk {
  readonly name: string;
  readonly devno: string;
  readonly sectors: number;
  /** Real device dir under sys/devices (bus detection follows this symlink). */
  readonly devicePath?: string;
  readonly removable?: boolean;
  readonly ro?: boolean;
  readonly slaves?: readonly string[];
  readonly holders?: readonly string[];
  readonly dmName?: string;
  readonly files?: Readonly<Record<string, string>>;
  readonly partitions?: readonly { name: string; devno: string; sectors: number; holders?: readonly string[] }[];
}

export interface Fixture {
  readonly root: string;
  cleanup(): Promise<void>;
}

async function write(path: string, text: string): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true });
  await fsp.writeFile(path, text);
}

export async function buildFixture(disks: readonly FakeDisk[], mountinfo: string, swaps = 'Filename\tType\tSize\tUsed\tPriority\n'): Promise<Fixture> {
  const root = await fsp.mkdtemp(join(tmpdir(), '3os-sysfs-'));
  for (const d of disks) {
    const real = join(root, 'sys', 'devices', d.devicePath ?? `virtual/block`, d.name);
    await fsp.mkdir(real, { recursive: true });
    await fsp.mkdir(join(root, 'sys', 'block'), { recursive: true });
    await fsp.symlink(relative(join(root, 'sys', 'block'), real), join(root, 'sys', 'block', d.name));
    await write(join(real, 'dev'), `${d.devno}\n`);
    await write(join(real, 'size'), `${d.sectors}\n`);
    await write(join(real, 'removable'), d.removable === true ? '1\n' : '0\n');
    await write(join(real, 'ro'), d.ro === true ? '1\n' : '0\n');
    await write(join(real, 'queue', 'logical_block_size'), '512\n');
    await fsp.mkdir(join(real, 'slaves'), { recursive: true });
    await fsp.mkdir(join(real, 'holders'), { recursive: true });
    for (const s of d.slaves ?? []) await write(join(real, 'slaves', s), '');
    for (const h of d.holders ?? []) await write(join(real, 'holders', h), '');
    if (d.dmName !== undefined) await write(join(real, 'dm', 'name'), `${d.dmName}\n`);
    for (const [f, text] of Object.entries(d.files ?? {})) await write(join(real, f), text);
    for (const p of d.partitions ?? []) {
      await write(join(real, p.name, 'dev'), `${p.devno}\n`);
      await write(join(real, p.name, 'size'), `${p.sectors}\n`);
      await write(join(real, p.name, 'partition'), '1\n');
      await fsp.mkdir(join(real, p.name, 'holders'), { recursive: true });
      for (const h of p.holders ?? []) await write(join(real, p.name, 'holders', h), '');
    }
  }
  await write(join(root, 'proc', 'self', 'mountinfo'), mountinfo);
  await write(join(root, 'proc', 'swaps'), swaps);
  return { root, cleanup: () => fsp.rm(root, { recursive: true, force: true }) };
}

/** One mountinfo line. */
export function mi(id: number, devno: string, mountpoint: string, source: string, fstype = 'ext4'): string {
  return `${id} 1 ${devno} / ${mountpoint} rw,relatime shared:1 - ${fstype} ${source} rw\n`;
}
