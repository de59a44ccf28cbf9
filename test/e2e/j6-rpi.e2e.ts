/**
 * Journey 6: the Raspberry Pi image (MBR variant, Pi 3 / Zero 2 W) on an emulated Pi 3
 * (QEMU raspi3b) with the firmware stand-in (provisioning/boot/pi-firmware-run.ts) playing the
 * boot firmware from the card: written .zst with a Pi maker's config (I2C on) to an 8 GiB card
 * file; the guest has the config, the I2C line in the committed config.txt, the grown logical
 * data partition and extended container, the LVs grown;
 * over the serial console a pushed config and a tryboot trial of slot B that commits; then with
 * B's root damaged a trial that fails and falls back to A by a plain reset, nothing to undo.
 * One card, five boots: several promises are checked per boot to keep CI time down.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detachAll } from '../../testkit/loop.js';
import { shOk } from '../../testkit/sh.js';
import { blankDisk, cli, GiB, IMAGE_DIR, inspect, parseLvs, writeFileText } from './journey.js';
import { stopAllVms, Vm } from './qemu.js';

const IMAGE = join(IMAGE_DIR, '3os-reference-rpi-mbr.img.zst');
let dir = '';
beforeAll(async () => {
  if (!existsSync(IMAGE)) throw new Error(`${IMAGE} missing: run sh assets/reference-image/build.sh --board rpi --table mbr`);
  dir = await mkdtemp(join(tmpdir(), '3os-e2e-j6-'));
});
afterAll(async () => {
  await stopAllVms();
  await detachAll();
  if (dir !== '' && process.env.THREEOS_E2E_KEEP !== '1') await rm(dir, { recursive: true, force: true });
});

/** sfdisk's view of the card: start and size in sectors per partition number. */
async function mbrTable(card: string): Promise<Record<number, { start: number; size: number; type: string }>> {
  const j = JSON.parse(await shOk('sfdisk', ['-J', card])) as { partitiontable: { partitions: { node: string; start: number; size: number; type: string }[] } };
  const out: Record<number, { start: number; size: number; type: string }> = {};
  for (const p of j.partitiontable.partitions) out[Number(/(\d+)$/.exec(p.node)?.[1])] = { start: p.start, size: p.size, type: p.type };
  return out;
}

const secs = (a: number, b: number): string => ((b - a) / 1000).toFixed(1);

describe('journey 6: Raspberry Pi image on an emulated Pi 3 (raspi3b + firmware stand-in)', () => {
  it('boots configured and grown, trials slot B with tryboot, and falls back from a broken B', async () => {
    const t0 = Date.now();
    await shOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'maker@e2e', '-f', join(dir, 'key')]);
    const pub = (await readFile(join(dir, 'key.pub'), 'utf8')).trim();
    const base = [
      'version: 1',
      'hostname: pi-maker',
      'users:',
      '  - name: maker',
      `    ssh_authorized_keys: ["${pub}"]`,
      '    sudo: true',
      'network:',
      '  version: 2',
      '  wifis:',
      '    wlan0:',
      '      regulatory-domain: DE',
      '      dhcp4: true',
      '      access-points:',
      '        "Maker Lab": { password: "correct horse battery" }',
      'timezone: UTC',
      '',
    ].join('\n');
    const config = await writeFileText(dir, 'config.yaml', `${base}raspberry_pi:\n  i2c: true\n`);
    const card = await blankDisk(dir, 'card.img', 8 * GiB);
    await cli(['write', IMAGE, '--to', card, '--config', config, '--json', '--yes']);
    const tWrite = Date.now();

    // MBR variant grown on the host: p6 (data, logical) and p4 (extended) reach the card's end
    const t = await mbrTable(card);
    const sectors = (8 * GiB) / 512;
    expect(t[4]?.type).toBe('5');
    expect(t[6]?.type).toBe('8e');
    expect((t[4]?.start ?? 0) + (t[4]?.size ?? 0)).toBe(sectors);
    expect((t[6]?.start ?? 0) + (t[6]?.size ?? 0)).toBe(sectors);
    await shOk('sfdisk', ['--verify', card]);

    const vm = new Vm(dir, card, 'j6', 'raspi3b');
    await vm.start();
    try {
      // boot 1: config.txt, slot a, the config applied by the agent
      expect(vm.lastPiBoot?.choice.configFile).toBe('config.txt');
      expect(vm.lastPiBoot?.choice.kernel).toBe('a/vmlinuz');
      expect(vm.lastPiBoot?.choice.deviceTree).toBe('a/bcm2837-rpi-3-b.dtb');
      // the I2C line is in the committed config; the stand-in says it does not apply it (docs/rpi-emulation.md)
      expect(vm.lastPiBoot?.choice.notApplied).toContain('dtparam=i2c_arm=on');
      await vm.waitFor(/3os-initramfs: slot a: root/, 300_000, 'the initramfs of slot a');
      await vm.waitFor(/3os: up: slot a, hostname pi-maker, result applied/, 240_000, 'the first boot summary');
      await vm.waitFor(/3os: serial provisioning on the console/, 60_000, 'the agent');
      const tBoot1 = Date.now();

      // over the emulated Pi's UART: push a config, then a trial of slot B
      const port = await vm.bridge();
      const config2 = await writeFileText(dir, 'config2.yaml', base + 'files:\n  - { path: /etc/motd, mode: "0644", contents: "pushed over the Pi UART\\n" }\n');
      const push = await cli(['serial', 'push', config2, '--port', port, '--json', '--wait', '60']);
      expect(push.out).toContain('applied');
      await vm.markNow();
      await cli(['serial', 'slot', 'b', '--try', '--port', port, '--json']);
      await vm.waitFor(/reboot: Restarting system with command '0 tryboot'/, 120_000, 'the tryboot restart');
      await vm.powerCycle();
      const tTrial = Date.now();

      // boot 2: the stand-in read tryboot.txt (the flag was set), B boots and commits itself
      expect(vm.lastPiBoot?.tryboot).toBe(true);
      expect(vm.lastPiBoot?.choice.configFile).toBe('tryboot.txt');
      expect(vm.lastPiBoot?.choice.kernel).toBe('b/vmlinuz');
      await vm.waitFor(/3os-initramfs: slot b: root/, 300_000, 'the initramfs of slot b');
      await vm.waitFor(/3os: up: slot b, hostname pi-maker/, 240_000, 'boot 2 summary');
      await vm.waitFor(/3os: agent done; console shell follows/, 120_000, 'the shell');
      const tBoot2 = Date.now();
      expect(await vm.sh('cat /proc/cmdline')).toContain('3os.slot=b');
      expect(await vm.sh('grep ^os_prefix= /boot/config.txt')).toBe('os_prefix=b/\n');
      // the commit changed only os_prefix: the I2C line the flasher wrote stays
      expect(await vm.sh('grep -c ^dtparam=i2c_arm=on /boot/config.txt')).toBe('1\n');
      expect(await vm.sh('cat /etc/motd')).toBe('pushed over the Pi UART\n');
      expect((await vm.sh('hostname')).trim()).toBe('pi-maker');
      expect(await vm.sh('grep ^maker: /etc/passwd')).toMatch(/^maker:x:\d+:/m);
      expect((await vm.sh('cat /home/maker/.ssh/authorized_keys')).trim()).toBe(pub);
      const wpa = await vm.sh('cat /etc/wpa_supplicant/wpa_supplicant.conf');
      expect(wpa).toMatch(/^country=DE$/m);
      expect(wpa).toContain('ssid="Maker Lab"');
      expect(wpa).not.toContain('correct horse battery');
      expect((await vm.sh('cat /etc/3os/wifi-country')).trim()).toBe('DE');
      const result = JSON.parse(await vm.sh('cat /run/3os/config/3os/result.json')) as { status: string };
      expect(result.status).toBe('applied');
      // the guest kernel sees the grown MBR variant: logical p6 to the card's end, p5 root-b
      expect(Number(await vm.sh('cat /sys/class/block/mmcblk0/size'))).toBe(sectors);
      expect(Number(await vm.sh('cat /sys/class/block/mmcblk0p6/start'))).toBe(t[6]?.start);
      expect(Number(await vm.sh('cat /sys/class/block/mmcblk0p6/size'))).toBe(t[6]?.size);
      expect(Number(await vm.sh('cat /sys/class/block/mmcblk0p4/start'))).toBe(t[4]?.start);
      const ext = await vm.sh('fdisk -l /dev/mmcblk0');
      expect(ext).toMatch(new RegExp(`mmcblk0p4\\s.*\\b${t[4]?.start}\\b.*\\b${(t[4]?.start ?? 0) + (t[4]?.size ?? 0) - 1}\\b`));
      // the VG fills the grown data partition; its LVs are grown (all free extents given out)
      const [vgSize, vgFree] = (await vm.sh('vgs --noheadings --units b --nosuffix -o vg_size,vg_free 3os')).trim().split(/\s+/).map(Number);
      expect(vgFree).toBe(0);
      expect(vgSize).toBeGreaterThan((t[6]?.size ?? 0) * 512 - 8 * 1024 * 1024);
      const lvs = parseLvs(await vm.sh('lvs --noheadings --units b --nosuffix -o lv_name,lv_size 3os'));
      expect(lvs.containers).toBeGreaterThan(7 * GiB);
      const d = await vm.sh("dumpe2fs -h /dev/mapper/3os-containers 2>/dev/null | grep -E '^Block (count|size):'");
      expect(Number(/Block count:\s+(\d+)/.exec(d)?.[1]) * Number(/Block size:\s+(\d+)/.exec(d)?.[1])).toBe(lvs.containers);
      await vm.poweroff();
      const tOff = Date.now();

      // after power-off: inspect reads the outcome; the offline slot view says B is committed
      const report = await inspect(card);
      expect((report.result as { status?: string } | undefined)?.status).toBe('applied');
      const committedB = JSON.parse((await cli(['slot', card, '--json'])).out) as { committed?: string; trybootPending?: boolean };
      expect(committedB.committed).toBe('b');

      // commit A offline, damage B's root (p5), trial B over serial: it fails, a reset boots A
      await cli(['slot', card, 'a', '--json', '--yes']);
      await shOk('dd', ['if=/dev/zero', `of=${card}`, 'bs=1M', `seek=${((t[5]?.start ?? 0) * 512) / 1048576}`, 'count=1', 'conv=notrunc', 'status=none']);
      await vm.markNow();
      await vm.start();
      await vm.waitFor(/3os: up: slot a, hostname pi-maker/, 300_000, 'boot 3 on slot a');
      await vm.waitFor(/3os: serial provisioning on the console/, 60_000, 'the agent');
      const port3 = await vm.bridge();
      await vm.markNow();
      await cli(['serial', 'slot', 'b', '--try', '--port', port3, '--json']);
      await vm.waitFor(/reboot: Restarting system with command '0 tryboot'/, 120_000, 'the tryboot restart');
      await vm.powerCycle();
      expect(vm.lastPiBoot?.choice.configFile).toBe('tryboot.txt');
      // boot 4: B's initramfs cannot mount its root and reboots (a plain reboot: no flag)
      await vm.waitFor(/3os-initramfs: FAILED/, 300_000, 'the failing trial of B');
      await vm.powerCycle();
      expect(vm.lastPiBoot?.tryboot).toBe(false);
      expect(vm.lastPiBoot?.choice.configFile).toBe('config.txt');
      // boot 5: config.txt still commits A; nothing was undone
      await vm.waitFor(/3os: up: slot a, hostname pi-maker/, 300_000, 'boot 5 on slot a');
      await vm.waitFor(/3os: agent done; console shell follows/, 120_000, 'the shell');
      expect(await vm.sh('grep ^os_prefix= /boot/config.txt')).toBe('os_prefix=a/\n');
      expect(await vm.sh('cat /etc/motd')).toBe('pushed over the Pi UART\n');
      await vm.poweroff();
      const tEnd = Date.now();
      console.log(
        `journey 6 (raspi3b): write ${secs(t0, tWrite)} s; boot 1 to agent ${secs(tWrite, tBoot1)} s; push + trial ${secs(tBoot1, tTrial)} s; ` +
          `boot 2 (B) to shell ${secs(tTrial, tBoot2)} s; checks + poweroff ${secs(tBoot2, tOff)} s; failing trial + fallback ${secs(tOff, tEnd)} s; total ${secs(t0, tEnd)} s`,
      );
    } finally {
      await vm.stop();
    }
  });
});
