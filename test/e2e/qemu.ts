/**
 * QEMU for the end-to-end journeys: boots a disk (file or loop device) with OVMF under TCG
 * (never KVM: it hangs on these machines), or a Raspberry Pi card in `raspi3b` with the firmware
 * stand-in (provisioning/boot/pi-firmware-run.ts), the serial console on a unix socket with a log file
 * of everything the guest said. The test waits for console text, runs shell commands on the
 * console, lends the line to the CLI through a socat pty, and always stops QEMU.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PiFirmwareStandIn, type PiPowerOn } from '../../provisioning/boot/pi-firmware-run.js';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS.fd';
/** UEFI firmware for qemu-system-aarch64 -M virt (Debian qemu-efi-aarch64). */
export const AARCH64_EFI = '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd';
export type VmArch = 'x86_64' | 'aarch64' | 'raspi3b';
/** Bound of one boot, firmware to agent, under TCG. */
export const BOOT_TIMEOUT_MS = 180_000;

const running = new Set<Vm>();

export class Vm {
  private proc: ChildProcess | undefined;
  private sock: Socket | undefined;
  private socat: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  private seq = 0;
  /** Bytes the test's console connection received (a dead connection shows here). */
  received = 0;
  /** Where the console log starts for the current wait (so old boots do not match). */
  mark = 0;
  readonly log: string;
  readonly sockPath: string;
  /** raspi3b: the firmware stand-in (tryboot flag across boots) and what the last power-on chose. */
  readonly pi: PiFirmwareStandIn | undefined;
  lastPiBoot: PiPowerOn | undefined;

  constructor(
    private readonly dir: string,
    private readonly disk: string,
    private readonly name = 'vm',
    private readonly arch: VmArch = 'x86_64',
  ) {
    this.log = join(dir, `${name}.console.log`);
    this.sockPath = join(dir, `${name}.sock`);
    // a longer serve window than the image's 20 s: the emulated Pi 3 is slow on a busy host,
    // and a window that closes between two frames of a push fails the journey
    this.pi = arch === 'raspi3b' ? new PiFirmwareStandIn(disk, dir, 'rpi-3b', '3os.serve_window=60') : undefined;
  }

  async start(): Promise<void> {
    await rm(this.sockPath, { force: true });
    const consoleArgs = [
      '-chardev', `socket,id=con,path=${this.sockPath},server=on,wait=off,logfile=${this.log},logappend=on`,
      '-serial', 'chardev:con',
    ];
    if (this.pi !== undefined) {
      this.lastPiBoot = await this.pi.powerOn();
      return this.launch('qemu-system-aarch64', [...this.lastPiBoot.args, '-display', 'none', '-monitor', 'none', ...consoleArgs]);
    }
    const firmware = this.arch === 'x86_64' ? [OVMF_CODE, OVMF_VARS] : [AARCH64_EFI];
    for (const f of firmware) if (!existsSync(f)) throw new Error(`${f} missing: apt-get install ${this.arch === 'x86_64' ? 'ovmf' : 'qemu-efi-aarch64'}`);
    const machine: string[] = [];
    if (this.arch === 'x86_64') {
      const vars = join(this.dir, `${this.name}.vars.fd`);
      if (!existsSync(vars)) await copyFile(OVMF_VARS, vars);
      machine.push('-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${vars}`);
    } else {
      machine.push('-M', 'virt', '-cpu', 'cortex-a57', '-bios', AARCH64_EFI);
    }
    const args = [
      // -no-reboot: a guest reboot ends QEMU and the test powers the machine on again (a warm
      // reset inside one QEMU left the console deaf to input after a socket reconnect).
      '-no-reboot', '-accel', 'tcg', '-m', '512', '-smp', '1', '-display', 'none', '-monitor', 'none', '-nodefaults', '-no-user-config',
      ...machine,
      '-drive', `if=none,id=d0,format=raw,file=${this.disk},cache=writeback`, '-device', 'virtio-blk-pci,drive=d0',
      '-netdev', 'user,id=n0,restrict=on', '-device', 'virtio-net-pci,netdev=n0',
      ...consoleArgs,
    ];
    return this.launch(this.arch === 'x86_64' ? 'qemu-system-x86_64' : 'qemu-system-aarch64', args);
  }

  private async launch(qemu: string, args: string[]): Promise<void> {
    const proc = spawn(qemu, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    this.proc = proc;
    running.add(this);
    for (let i = 0; i < 100 && !existsSync(this.sockPath); i++) await sleep(100);
    if (!existsSync(this.sockPath)) throw new Error(`QEMU did not start: ${err}`);
    await this.connect();
  }

  /** Connect the test to the console (drains the guest's output; the log file keeps all of it). */
  async connect(): Promise<void> {
    await this.unbridge();
    if (this.sock !== undefined) return;
    const s = connect(this.sockPath);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    s.on('data', (d: Buffer) => (this.received += d.length));
    s.on('error', () => undefined);
    this.sock = s;
  }

  disconnect(): void {
    this.sock?.destroy();
    this.sock = undefined;
  }

  /** Lend the console to another program as a pty (for `3os-flash serial ...`); returns its path. */
  async bridge(): Promise<string> {
    this.disconnect();
    await sleep(200);
    const link = join(this.dir, `${this.name}.pty`);
    const b = spawn('socat', [`pty,link=${link},raw,echo=0`, `unix-connect:${this.sockPath}`], { stdio: 'ignore' });
    this.socat = b;
    for (let i = 0; i < 50 && !existsSync(link); i++) await sleep(100);
    if (!existsSync(link)) throw new Error('socat did not make the pty');
    return link;
  }

  private async unbridge(): Promise<void> {
    const b = this.socat;
    if (b === undefined) return;
    this.socat = undefined;
    if (b.exitCode === null) {
      const done = new Promise((r) => b.once('exit', r));
      b.kill('SIGTERM');
      await done;
    }
    await sleep(200);
  }

  async console(): Promise<string> {
    try {
      return (await readFile(this.log)).toString('latin1');
    } catch {
      return '';
    }
  }

  /** Start matching console output from now on. */
  async markNow(): Promise<void> {
    this.mark = (await this.console()).length;
  }

  /** Wait until the console (since the mark) matches; on timeout, fail with the console's tail. */
  async waitFor(re: RegExp, timeoutMs = BOOT_TIMEOUT_MS, what = String(re)): Promise<RegExpMatchArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const text = (await this.console()).slice(this.mark);
      const m = text.match(re);
      if (m !== null) return m;
      if (this.proc?.exitCode !== null && this.proc?.exitCode !== undefined) throw new Error(`QEMU exited (${this.proc.exitCode}) while waiting for ${what}. Console:\n${tail(text)}`);
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (console connection: ${this.sock === undefined ? 'none' : `${this.received} bytes in`}). Console said:\n${tail(text)}`);
      await sleep(250);
    }
  }

  send(text: string): void {
    if (this.sock === undefined) throw new Error('console not connected');
    this.sock.write(text);
  }

  /** Run a shell command on the console shell; resolves with its output. */
  async sh(cmd: string, timeoutMs = 60_000): Promise<string> {
    const n = ++this.seq;
    await this.markNow();
    this.send(`printf '%s%s\\n' '<<B' '${n}>>'; ${cmd} 2>&1; printf '%s%s\\n' '<<E' '${n}>>'\n`);
    const m = await this.waitFor(new RegExp(`<<B${n}>>\\r?\\n([\\s\\S]*?)<<E${n}>>`), timeoutMs, `output of "${cmd}"`);
    return (m[1] ?? '').replace(/\r/g, '');
  }

  /** Wait for QEMU to exit (after a poweroff). */
  async waitExit(timeoutMs = 60_000): Promise<number | null> {
    const t = sleep(timeoutMs).then(() => 'timeout' as const);
    const r = await Promise.race([this.exited, t]);
    if (r === 'timeout') throw new Error(`QEMU did not exit within ${timeoutMs / 1000} s. Console:\n${tail((await this.console()).slice(this.mark))}`);
    running.delete(this);
    return r ?? null;
  }

  /** The guest rebooted (QEMU ended, -no-reboot): power it on again, as a power cycle would. */
  async powerCycle(): Promise<void> {
    await this.waitExit();
    // the Pi firmware stand-in: a restart with '0 tryboot' sets the one-shot flag for this power-on
    this.pi?.ended((await this.console()).slice(this.mark));
    this.disconnect();
    await this.unbridge();
    await this.markNow();
    await this.start();
  }

  /** The watchdog's part: a guest that hangs is cut off and powered on again (the tryboot flag is lost). */
  async reset(): Promise<void> {
    const p = this.proc;
    if (p !== undefined && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await this.waitExit();
    this.pi?.reset();
    this.disconnect();
    await this.unbridge();
    await this.markNow();
    await this.start();
  }

  async poweroff(): Promise<void> {
    this.send('poweroff\n');
    await this.waitExit();
    this.disconnect();
  }

  async stop(): Promise<void> {
    this.disconnect();
    // keep the console for people and CI to read (test-artifacts/ is not in git)
    await mkdir('test-artifacts/e2e', { recursive: true });
    await copyFile(this.log, join('test-artifacts/e2e', `${this.name}.console.log`)).catch(() => undefined);
    await this.unbridge();
    const p = this.proc;
    if (p !== undefined && p.exitCode === null && p.signalCode === null) {
      p.kill('SIGKILL');
      await this.exited;
    }
    running.delete(this);
  }
}

export async function stopAllVms(): Promise<void> {
  for (const vm of [...running]) await vm.stop();
}

function tail(text: string, lines = 60): string {
  return text.replace(/\r/g, '').split('\n').slice(-lines).join('\n');
}
