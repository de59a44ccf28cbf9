/**
 * Journey 1: flash the compressed reference image with our CLI to a 4 GiB file and a loop
 * device at once, seed a config (hostname, user + SSH key, static IP, container, timezone),
 * boot it in QEMU and watch over the serial console: the config is applied, VG 3os fills the
 * disk, the ext4 filesystems grew (online in the guest where the host left it to first boot),
 * result.json is written. After power-off, `inspect` on the disk reports the same facts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachLoop, detachAll } from '../../testkit/loop.js';
import { shOk } from '../../testkit/sh.js';
import { blankDisk, cli, GiB, IMAGE_ZST, inspect, lvmSizes, MiB, parseLvs, requireImage, writeFileText } from './journey.js';
import { stopAllVms, Vm } from './qemu.js';

let dir = '';
beforeAll(async () => {
  requireImage();
  dir = await mkdtemp(join(tmpdir(), '3os-e2e-j1-'));
});
afterAll(async () => {
  await stopAllVms();
  await detachAll();
  if (dir !== '' && process.env.THREEOS_E2E_KEEP !== '1') await rm(dir, { recursive: true, force: true });
});

describe('journey 1: flash + config + grow, boot, inspect', () => {
  it('boots configured and grown, and inspect reports it', async () => {
    const t0 = Date.now();
    await shOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice@e2e', '-f', join(dir, 'key')]);
    const pub = (await readFile(join(dir, 'key.pub'), 'utf8')).trim();
    const config = await writeFileText(dir, 'config.yaml', [
      'version: 1',
      'hostname: e2e-node-{index}',
      'users:',
      '  - name: alice',
      `    ssh_authorized_keys: ["${pub}"]`,
      '    sudo: true',
      'network:',
      '  version: 2',
      '  ethernets:',
      '    eth0:',
      '      addresses: [10.0.2.50/24]',
      '      gateway4: 10.0.2.2',
      '      nameservers: { addresses: [10.0.2.3] }',
      'timezone: Europe/Berlin',
      'containers:',
      '  - name: web',
      '    image: docker.io/library/nginx:1.27',
      '    ports: ["8080:80/tcp"]',
      '    restart: unless-stopped',
      '',
    ].join('\n'));
    // home gets 1 GiB in a second segment, so the host leaves its filesystem to the device
    // (online resize2fs); the last LV (containers) takes the rest and is grown offline.
    const policy = await writeFileText(dir, 'policy.yaml', 'volumes:\n  - { name: home, size: 1G }\n  - { name: containers, size: 100%FREE }\n');

    const disk = await blankDisk(dir, 'disk.img');
    const loopFile = await blankDisk(dir, 'loop.img');
    const loop = await attachLoop(loopFile);
    const w = await cli(['write', IMAGE_ZST, '--to', disk, '--to', loop, '--policy', policy, '--config', config, '--json', '--yes']);
    expect(w.out).toContain('"kind":"summary"');
    const tFlash = Date.now();

    // Real tools on both targets: GPT valid and at the real end, VG fills the disk.
    for (const target of [disk, loop]) {
      expect(await shOk('sgdisk', ['-v', target])).toContain('No problems found');
    }
    const host = await lvmSizes(disk);
    const hostLoop = await lvmSizes(loop);
    expect(hostLoop).toEqual(host);
    expect(host.vgFree).toBe(0);
    expect(host.vgSize).toBeGreaterThan(4 * GiB - 400 * MiB);
    expect(host.lvs.home).toBe(1 * GiB);
    expect(host.lvs.containers).toBeGreaterThan(2 * GiB);

    const vm = new Vm(dir, disk, 'j1');
    await vm.start();
    try {
      await vm.waitFor(/3os-initramfs: slot a: root/, 180_000, 'the initramfs');
      const grow = await vm.waitFor(/3os: grow home: (\w+) \((\d+) -> (\d+) bytes\)/, 120_000, 'online growth of home');
      expect(grow[1]).toBe('grown');
      expect(Number(grow[3])).toBe(host.lvs.home);
      expect(Number(grow[2])).toBeLessThan(Number(grow[3]));
      await vm.waitFor(/3os: config applied/, 120_000, 'the config to be applied');
      await vm.waitFor(/3os: up: slot a, hostname e2e-node-1, result applied/, 60_000, 'the boot summary');
      await vm.waitFor(/@3OS1 D 0 HELLO/, 30_000, 'the agent HELLO');
      await vm.waitFor(/3os: agent done; console shell follows/, 90_000, 'the end of the serve window');
      const tBoot = Date.now();

      expect((await vm.sh('hostname')).trim()).toBe('e2e-node-1');
      expect(await vm.sh('grep ^alice: /etc/passwd')).toMatch(/^alice:x:\d+:\d+::\/home\/alice:/m);
      expect((await vm.sh('cat /home/alice/.ssh/authorized_keys')).trim()).toBe(pub);
      expect(await vm.sh('stat -c %a:%U /home/alice/.ssh/authorized_keys')).toContain('600:alice');
      expect(await vm.sh('ip -4 addr show dev eth0')).toContain('inet 10.0.2.50/24');
      expect((await vm.sh('cat /etc/timezone')).trim()).toBe('Europe/Berlin');
      expect(await vm.sh('cat /etc/3os/containers.list')).toMatch(/^web\tdocker\.io\/library\/nginx:1\.27\t8080:80\/tcp\t/m);

      const [vgSize, vgFree] = (await vm.sh('vgs --noheadings --units b --nosuffix -o vg_size,vg_free 3os')).trim().split(/\s+/).map(Number);
      expect(vgSize).toBe(host.vgSize);
      expect(vgFree).toBe(0);
      const guestLvs = parseLvs(await vm.sh('lvs --noheadings --units b --nosuffix -o lv_name,lv_size 3os'));
      expect(guestLvs).toEqual(host.lvs);
      for (const lv of ['etc', 'home', 'containers']) {
        const d = await vm.sh(`dumpe2fs -h /dev/mapper/3os-${lv} 2>/dev/null | grep -E '^Block (count|size):'`);
        const count = Number(/Block count:\s+(\d+)/.exec(d)?.[1]);
        const bs = Number(/Block size:\s+(\d+)/.exec(d)?.[1]);
        expect(count * bs, `ext4 on ${lv} fills its LV`).toBe(host.lvs[lv]);
      }
      const df = await vm.sh('df -k /home /var/lib/containers /etc');
      expect(df).toMatch(/\/home\n/);
      expect(df).toMatch(/\/var\/lib\/containers\n/);
      const result = JSON.parse(await vm.sh('cat /run/3os/config/3os/result.json')) as Record<string, unknown>;
      expect(result.status).toBe('applied');
      expect(result.active_slot).toBe('a');
      const growResult = JSON.parse(await vm.sh('cat /run/3os/config/3os/grow-result.json')) as { status: string };
      expect(growResult.status).toBe('done');
      // the root is read-only; /etc changes live on the etc LV
      expect(await vm.sh('touch /usr/x; echo rc=$?')).toMatch(/rc=1/);
      expect(await vm.sh('ls /run/3os/etc-lv/upper')).toMatch(/hostname/);

      await vm.poweroff();
      const tOff = Date.now();

      const report = await inspect(disk);
      const r = report.result as Record<string, unknown> | undefined;
      expect(r?.status).toBe('applied');
      expect(r?.digest).toBeTruthy();
      expect(JSON.stringify(report.config)).toContain('e2e-node-1');
      expect(JSON.stringify(report)).toContain('alice');
      expect(await shOk('sgdisk', ['-v', disk])).toContain('No problems found');
      console.log(`journey 1: flash+seed ${((tFlash - t0) / 1000).toFixed(1)} s, boot to shell ${((tBoot - tFlash) / 1000).toFixed(1)} s, checks+poweroff ${((tOff - tBoot) / 1000).toFixed(1)} s`);
    } finally {
      await vm.stop();
    }
  });
});
