/**
 * The Pi firmware stand-in's choices (provisioning/boot/pi-firmware.ts) on the reference image's
 * own config.txt (assets/reference-image/rpi/config.txt.in): which file is read with and without
 * the one-shot tryboot flag, os_prefix applied to kernel, initramfs, device tree and cmdline.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { choosePiBoot } from '../../../../provisioning/boot/pi-firmware.js';
import { trybootText } from '../../../../provisioning/slots/pi-config-txt.js';

const CONFIG = readFileSync('assets/reference-image/rpi/config.txt.in', 'latin1').replace(/@VERSION@/g, '0.1.0');

describe('Pi firmware stand-in: what a boot loads', () => {
  it('boots slot a from config.txt with the upstream device tree name', () => {
    const c = choosePiBoot(CONFIG, undefined, false, 'rpi-3b');
    expect(c.configFile).toBe('config.txt');
    expect([c.kernel, c.initramfs, c.deviceTree, c.cmdline]).toEqual(['a/vmlinuz', 'a/initrd.img', 'a/bcm2837-rpi-3-b.dtb', 'a/cmdline.txt']);
    expect(c.settings.enableUart).toBe(true);
    expect(choosePiBoot(CONFIG, undefined, false, 'rpi-zero-2w').deviceTree).toBe('a/bcm2837-rpi-zero-2-w.dtb');
    expect(choosePiBoot(CONFIG, undefined, false, 'rpi-4b').deviceTree).toBe('a/bcm2711-rpi-4-b.dtb');
  });

  it('reads tryboot.txt only with the flag set and the file present', () => {
    const tb = trybootText(CONFIG, 'b');
    expect(choosePiBoot(CONFIG, tb, false, 'rpi-3b').kernel).toBe('a/vmlinuz');
    const trial = choosePiBoot(CONFIG, tb, true, 'rpi-3b');
    expect(trial.configFile).toBe('tryboot.txt');
    expect([trial.kernel, trial.initramfs, trial.deviceTree, trial.cmdline]).toEqual(['b/vmlinuz', 'b/initrd.img', 'b/bcm2837-rpi-3-b.dtb', 'b/cmdline.txt']);
    // the flag without a tryboot.txt: the firmware reads config.txt
    expect(choosePiBoot(CONFIG, undefined, true, 'rpi-3b').configFile).toBe('config.txt');
  });

  it('lists the overlay and parameter lines it does not apply', () => {
    const c = choosePiBoot(`${CONFIG}dtparam=i2c_arm=on\n[pi4]\ndtoverlay=disable-bt\n`, undefined, false, 'rpi-3b');
    expect(c.notApplied).toEqual(['dtparam=i2c_arm=on']);
    expect(choosePiBoot(`${CONFIG}dtparam=i2c_arm=on\n[pi4]\ndtoverlay=disable-bt\n`, undefined, false, 'rpi-4b').notApplied).toEqual(['dtoverlay=disable-bt', 'dtparam=i2c_arm=on']);
  });
});
