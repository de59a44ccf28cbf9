/**
 * What Raspberry Pi Imager's customisation sets, applied by the device agent (`apply`, under dash
 * and busybox ash with only the documented applets): Wi-Fi with its regulatory country (in
 * wpa_supplicant.conf, as the cfg80211 module option for every later boot, set live with `iw`
 * when the image has it, and the wlan radio's soft block lifted through sysfs), time zone, locale
 * and keyboard layout, each in the files the image's tools read.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_APPLETS, AGENT_SCRIPT } from '../../provisioning/serial/testing/agent-harness.js';
import { configPair, layoutDevice } from './serial-fixtures.js';

const WPA = 'ctrl_interface=DIR=/run/wpa_supplicant GROUP=netdev\nnetwork={\n\tssid="workshop"\n\tpsk=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n}\n';

describe.each([['dash'], ['ash']])('agent: Wi-Fi country, time zone, locale, keyboard under %s', (shell) => {
  let base: string;
  let dirs: { root: string; config: string; boot: string; sys: string };
  let bin: string;
  const rfkill = (n: string): string => join(dirs.sys, 'sys/class/rfkill', n);

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), '3os-agent-wifi-'));
    dirs = { root: join(base, 'root'), config: join(base, 'config'), boot: join(base, 'boot'), sys: join(base, 'sys') };
    layoutDevice(dirs);
    // A Pi's radios as sysfs shows them: Wi-Fi and Bluetooth, both soft-blocked.
    for (const [n, type] of [['rfkill0', 'wlan'], ['rfkill1', 'bluetooth']] as const) {
      mkdirSync(rfkill(n), { recursive: true });
      writeFileSync(join(rfkill(n), 'type'), `${type}\n`);
      writeFileSync(join(rfkill(n), 'soft'), '1\n');
    }
    bin = join(base, 'bin');
    mkdirSync(bin);
    for (const a of AGENT_APPLETS) symlinkSync('/bin/busybox', join(bin, a));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const apply = (values: ReadonlyArray<readonly [string, string]>): { code: number | null; log: string } => {
    const cfg = configPair(values);
    writeFileSync(join(dirs.config, '3os/config.yaml'), cfg.yaml);
    writeFileSync(join(dirs.config, '3os/config.agent'), cfg.agent);
    const cmd = shell === 'dash' ? ['/usr/bin/dash'] : ['/bin/busybox', 'ash'];
    const log = join(base, 'log');
    const r = spawnSync(cmd[0] ?? '', [...cmd.slice(1), AGENT_SCRIPT, 'apply'], {
      env: { PATH: bin, TMPDIR: base, THREEOS_ROOT: dirs.root, THREEOS_CONFIG: dirs.config, THREEOS_BOOT: dirs.boot, THREEOS_SYSROOT: dirs.sys, THREEOS_LOG: log, THREEOS_STATE: join(base, 'state') },
    });
    return { code: r.status, log: existsSync(log) ? readFileSync(log, 'utf8') : '' };
  };
  const file = (p: string): string => readFileSync(join(dirs.root, p), 'utf8');

  it('applies the Wi-Fi country everywhere the radio needs it and lifts the wlan soft block only', () => {
    const iwLog = join(base, 'iw.log');
    writeFileSync(join(bin, 'iw'), `#!/bin/sh\nprintf '%s\\n' "$*" >>${iwLog}\n`);
    chmodSync(join(bin, 'iw'), 0o755);
    const r = apply([['hostname', 'pi-lab'], ['wifi.country', 'DE'], ['wifi.wpa_supplicant', WPA]]);
    expect(r.code, r.log).toBe(0);
    expect(file('etc/wpa_supplicant/wpa_supplicant.conf')).toBe(`country=DE\n${WPA}`);
    expect(file('etc/modprobe.d/3os-regdom.conf')).toBe('options cfg80211 ieee80211_regdom=DE\n');
    expect(file('etc/3os/wifi-country')).toBe('DE\n');
    expect(readFileSync(join(rfkill('rfkill0'), 'soft'), 'utf8')).toBe('0\n');
    expect(readFileSync(join(rfkill('rfkill1'), 'soft'), 'utf8')).toBe('1\n'); // Bluetooth is not the config's business
    expect(readFileSync(iwLog, 'utf8')).toBe('reg set DE\n');
    expect(r.log).toMatch(/wifi: regulatory domain DE/);
    expect(r.log).toMatch(/wifi: rfkill0 unblocked/);
  });

  it('keeps a country the wpa_supplicant text already names, and works without iw', () => {
    const r = apply([['wifi.country', 'FR'], ['wifi.wpa_supplicant', `country=FR\n${WPA}`]]);
    expect(r.code, r.log).toBe(0);
    expect(file('etc/wpa_supplicant/wpa_supplicant.conf')).toBe(`country=FR\n${WPA}`);
    expect(file('etc/modprobe.d/3os-regdom.conf')).toBe('options cfg80211 ieee80211_regdom=FR\n');
    expect(readFileSync(join(rfkill('rfkill0'), 'soft'), 'utf8')).toBe('0\n');
    expect(r.log).not.toMatch(/regulatory domain/);
  });

  it('touches no radio when no country is configured', () => {
    const r = apply([['hostname', 'pi-lab']]);
    expect(r.code, r.log).toBe(0);
    expect(existsSync(join(dirs.root, 'etc/modprobe.d/3os-regdom.conf'))).toBe(false);
    expect(readFileSync(join(rfkill('rfkill0'), 'soft'), 'utf8')).toBe('1\n');
  });

  it('a bad country is refused with nothing written and no radio touched', () => {
    const r = apply([['wifi.country', 'Germany']]);
    expect(r.code).toBe(1);
    expect(existsSync(join(dirs.root, 'etc/modprobe.d'))).toBe(false);
    expect(readFileSync(join(rfkill('rfkill0'), 'soft'), 'utf8')).toBe('1\n');
  });

  it('writes time zone, locale and keyboard layout where Debian\'s tools read them', () => {
    const r = apply([['timezone', 'Europe/Berlin'], ['locale', 'de_DE.UTF-8'], ['keyboard.layout', 'de'], ['keyboard.variant', 'nodeadkeys']]);
    expect(r.code, r.log).toBe(0);
    expect(readlinkSync(join(dirs.root, 'etc/localtime'))).toBe('/usr/share/zoneinfo/Europe/Berlin');
    expect(file('etc/timezone')).toBe('Europe/Berlin\n');
    expect(file('etc/default/locale')).toBe('LANG=de_DE.UTF-8\n');
    expect(file('etc/locale.conf')).toBe('LANG=de_DE.UTF-8\n');
    expect(file('etc/default/keyboard')).toBe('XKBMODEL="pc105"\nXKBLAYOUT="de"\nXKBVARIANT="nodeadkeys"\nXKBOPTIONS=""\n');
    expect(file('etc/vconsole.conf')).toBe('KEYMAP=de-nodeadkeys\nXKBLAYOUT=de\nXKBVARIANT=nodeadkeys\n');
  });
});
