/**
 * The agent's USB gadget console (assets/agent/lib/usb-gadget.sh) under dash and busybox ash with
 * only the documented applets: on a fake /proc/device-tree + /sys tree (THREEOS_SYSROOT) it
 * creates the configfs gadget (one ACM function, linked into the config, bound to the UDC) and
 * serves the protocol on the gadget TTY (a pty here, read by the host's `serial hello`); without
 * a peripheral-capable controller or a UDC it writes nothing, logs one line and ends.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { serialCommand } from '../../main/cli/commands/serial.js';
import { AGENT_APPLETS, AGENT_SCRIPT, startAgentHarness, type AgentHarness, type AgentShell } from '../../provisioning/serial/testing/agent-harness.js';
import { layoutDevice } from './serial-fixtures.js';

const UDC = 'fe980000.usb';

interface FakeBoard {
  /** dr_mode of the dwc2 node (undefined: no such property), or no node at all. */
  readonly drMode?: 'otg' | 'peripheral' | 'host' | undefined;
  readonly node?: boolean;
  readonly udc?: boolean;
}

/** A Pi's /proc/device-tree (the dwc2 node as the mainline trees name it) and /sys for the agent. */
function fakeBoard(sys: string, b: FakeBoard): void {
  const dt = join(sys, 'proc/device-tree');
  mkdirSync(dt, { recursive: true });
  writeFileSync(join(dt, 'model'), 'Raspberry Pi Zero 2 W Rev 1.0\0');
  writeFileSync(join(dt, 'serial-number'), '00000000c0ffee42\0');
  if (b.node !== false) {
    const usb = join(dt, 'soc/usb@7e980000');
    mkdirSync(usb, { recursive: true });
    writeFileSync(join(usb, 'compatible'), 'brcm,bcm2835-usb\0');
    if (b.drMode !== undefined) writeFileSync(join(usb, 'dr_mode'), `${b.drMode}\0`);
  }
  mkdirSync(join(sys, 'sys/kernel/config/usb_gadget'), { recursive: true });
  if (b.udc !== false) mkdirSync(join(sys, `sys/class/udc/${UDC}`), { recursive: true });
  else mkdirSync(join(sys, 'sys/class/udc'), { recursive: true });
}

/** A modprobe stand-in that records what it was asked to load. */
function fakeModprobe(dir: string): { cmd: string; calls: () => string } {
  const cmd = join(dir, 'modprobe');
  const out = join(dir, 'modprobe.log');
  writeFileSync(cmd, `#!/bin/sh\nprintf '%s\\n' "$*" >>${out}\n`);
  chmodSync(cmd, 0o755);
  return { cmd, calls: () => (existsSync(out) ? readFileSync(out, 'utf8') : '') };
}

describe.each<AgentShell>(['dash', 'ash'])('agent USB gadget console under %s', (shell) => {
  let h: AgentHarness | undefined;
  let scratch: string | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  it('creates the ACM gadget in configfs, binds it to the UDC and serves the protocol on its TTY', { timeout: 60_000 }, async () => {
    scratch = mkdtempSync(join(tmpdir(), '3os-gadget-'));
    const mp = fakeModprobe(scratch);
    h = await startAgentHarness({ shell, mode: 'gadget', env: { THREEOS_MODPROBE: mp.cmd }, prepare: (d) => { layoutDevice(d); fakeBoard(d.sys, { drMode: 'otg' }); } });
    const out = new PassThrough();
    let o = '';
    out.on('data', (c: Buffer) => (o += c.toString()));
    const code = await serialCommand.run(['hello', '--port', h.hostPath], { out, err: new PassThrough(), stdin: new PassThrough(), env: {} });
    expect(code).toBe(0);
    expect(o).toMatch(/device: +Raspberry Pi Zero 2 W Rev 1\.0 \(serial 00000000c0ffee42\)/);

    const g = join(h.dirs.sys, 'sys/kernel/config/usb_gadget/3os');
    const read = (p: string): string => readFileSync(join(g, p), 'utf8');
    expect(read('UDC')).toBe(`${UDC}\n`);
    expect([read('idVendor'), read('idProduct'), read('bcdUSB')]).toEqual(['0x1d6b\n', '0x0104\n', '0x0200\n']);
    expect([read('bDeviceClass'), read('bDeviceSubClass'), read('bDeviceProtocol')]).toEqual(['0xEF\n', '0x02\n', '0x01\n']);
    expect(read('strings/0x409/serialnumber')).toBe('00000000c0ffee42\n');
    expect(read('strings/0x409/product')).toBe('3os provisioning console\n');
    expect(read('configs/c.1/MaxPower')).toBe('250\n');
    expect(readdirSync(join(g, 'functions'))).toEqual(['acm.usb0']);
    expect(readlinkSync(join(g, 'configs/c.1/acm.usb0'))).toBe(join(g, 'functions/acm.usb0'));
    expect(mp.calls()).toBe('libcomposite\nusb_f_acm\n');
    const log = readFileSync(h.dirs.log, 'utf8');
    expect(log).toMatch(/usb-gadget: ACM gadget bound to fe980000\.usb \(\/soc\/usb@7e980000\)/);
    expect(log).toMatch(/serve: listening on /);
  });

  const runGadget = (b: FakeBoard): { code: number | null; log: string; gadgetDir: string } => {
    scratch = mkdtempSync(join(tmpdir(), '3os-gadget-'));
    const sys = join(scratch, 'sys');
    fakeBoard(sys, b);
    const bin = join(scratch, 'bin');
    mkdirSync(bin);
    for (const a of AGENT_APPLETS) symlinkSync('/bin/busybox', join(bin, a));
    const cmd = shell === 'dash' ? ['/usr/bin/dash'] : ['/bin/busybox', 'ash'];
    const logFile = join(scratch, 'log');
    const r = spawnSync(cmd[0] ?? '', [...cmd.slice(1), AGENT_SCRIPT, 'gadget'], {
      env: { PATH: bin, TMPDIR: scratch, THREEOS_SYSROOT: sys, THREEOS_LOG: logFile, THREEOS_STATE: join(scratch, 'state'), THREEOS_GADGET_TTY: join(scratch, 'no-tty'), THREEOS_MODPROBE: '/bin/true' },
      timeout: 20_000,
    });
    return { code: r.status, log: existsSync(logFile) ? readFileSync(logFile, 'utf8') : '', gadgetDir: join(sys, 'sys/kernel/config/usb_gadget/3os') };
  };

  it.each<[string, FakeBoard, RegExp]>([
    ['a board whose controller is host-only (Pi 3)', { drMode: 'host' }, /no USB peripheral controller .* in the device tree; no gadget console/],
    ['a board with no dwc2 node', { node: false }, /no USB peripheral controller/],
    ['a controller with no UDC registered', { drMode: 'peripheral', udc: false }, /\/soc\/usb@7e980000 is in the device tree but no UDC is registered/],
  ])('does nothing on %s: one log line, no gadget', (_n, board, re) => {
    const r = runGadget(board);
    expect(r.code).toBe(0);
    const lines = r.log.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(re);
    expect(existsSync(r.gadgetDir)).toBe(false);
  });
});
