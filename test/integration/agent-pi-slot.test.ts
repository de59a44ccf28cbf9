/**
 * The device agent's Raspberry Pi slots (assets/agent/lib/slot.sh) under dash and busybox ash,
 * with only the agent's busybox applets on PATH and temp dirs as the boot partition and /proc:
 * the shared config.txt cases (test/fixtures/pi-config-cases.json, the same the TypeScript rules
 * pass in test/unit/provisioning/slots/pi-config-cases.test.ts), then show / switch / try /
 * mark good / the commit of a trial boot, through the agent's own `slot` mode where it has one.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderConfig } from '../../provisioning/config/render.js';
import { AGENT_APPLETS, AGENT_SCRIPT } from '../../provisioning/serial/testing/agent-harness.js';
import { layoutDevice } from './serial-fixtures.js';

interface PiCase {
  readonly name: string;
  readonly config: string;
  readonly slot?: 'a' | 'b';
  readonly switched?: string;
  readonly error?: string;
}
interface HardwareCase {
  readonly name: string;
  readonly config: string;
  readonly lines: readonly string[];
  readonly expected: string;
}
const DOC = JSON.parse(readFileSync(new URL('../fixtures/pi-config-cases.json', import.meta.url), 'utf8')) as { cases: PiCase[]; hardware: HardwareCase[] };
const CASES = DOC.cases;
const LIB = join(dirname(AGENT_SCRIPT), 'lib');
type Shell = 'dash' | 'ash';
const SHELLS: readonly Shell[] = ['dash', 'ash'];

let base = '';
let bin = '';
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'agent-pi-slot-'));
  bin = join(base, 'bin');
  mkdirSync(bin);
  for (const a of AGENT_APPLETS) symlinkSync('/bin/busybox', join(bin, a));
  symlinkSync('/bin/busybox', join(bin, 'sh')); // for the hooks (THREEOS_HEALTH_CMD), as on a device
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function run(shell: Shell, args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const cmd = shell === 'dash' ? ['/usr/bin/dash'] : ['/bin/busybox', 'ash'];
  const p = spawn(cmd[0] ?? '', [...cmd.slice(1), ...args], { env: { PATH: bin, TMPDIR: base, ...env } });
  let out = '';
  let err = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  p.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const code = await new Promise<number | null>((resolve, reject) => {
    p.on('error', reject);
    p.on('close', resolve);
  });
  return { code, out, err };
}

// The agent's globals (3os-agent.sh) and slot.sh alone.
const PRELUDE = `NL='
'; TAB=$(printf '\\t'); CR=$(printf '\\r'); SYSROOT=\${SYSROOT:-}; PI_PART_A=3; PI_PART_B=5
TRYBOOT_CMD=\${TRYBOOT_CMD:-/nonexistent}; HEALTH_CMD=\${HEALTH_CMD:-}
log() { printf 'log: %s\\n' "$*"; }
. "$LIB/slot.sh"
`;

describe.each(SHELLS.map((s) => [s] as const))('agent Pi slots under %s', (shell) => {
  it('agrees with the TypeScript rules on every shared config.txt case', async () => {
    const w = mkdtempSync(join(base, `cases-${shell}-`));
    CASES.forEach((c, i) => {
      const d = join(w, String(i).padStart(3, '0'));
      mkdirSync(d);
      writeFileSync(join(d, 'config.txt'), c.config, 'utf8');
    });
    const script = `${PRELUDE}
for d in "$W"/*/; do
  if s=$(pi_slot_of "$d/config.txt"); then
    o=a; [ "$s" = a ] && o=b
    printf 'slot=%s\\n' "$s" >"$d/result"; pi_with_slot "$d/config.txt" "$o" "$d/switched.txt"
  else printf 'error=%s\\n' "$s" >"$d/result"; fi
done`;
    const r = await run(shell, ['-c', script], { W: w, LIB });
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    CASES.forEach((c, i) => {
      const d = join(w, String(i).padStart(3, '0'));
      const result = readFileSync(join(d, 'result'), 'utf8').trimEnd();
      if (c.error !== undefined) {
        expect(result, c.name).toBe(`error=${c.error}`);
        return;
      }
      expect(result, c.name).toBe(`slot=${c.slot ?? ''}`);
      expect(readFileSync(join(d, 'switched.txt')), c.name).toEqual(Buffer.from(c.switched ?? '', 'utf8'));
    });
  });

  it('places the hardware block exactly as the TypeScript rules do (shared cases)', async () => {
    const w = mkdtempSync(join(base, `hw-${shell}-`));
    DOC.hardware.forEach((c, i) => {
      const d = join(w, String(i).padStart(3, '0'));
      mkdirSync(d);
      writeFileSync(join(d, 'config.txt'), c.config, 'utf8');
      writeFileSync(join(d, 'lines'), c.lines.map((l) => `${l}\n`).join(''));
    });
    const script = `${PRELUDE}
for d in "$W"/*/; do pi_hw_block "$d/config.txt" "$d/lines" "$d/out.txt" || echo "failed: $d"; done`;
    const r = await run(shell, ['-c', script], { W: w, LIB });
    expect({ code: r.code, out: r.out, err: r.err }).toEqual({ code: 0, out: '', err: '' });
    DOC.hardware.forEach((c, i) => {
      expect(readFileSync(join(w, String(i).padStart(3, '0'), 'out.txt')).toString('utf8'), c.name).toBe(c.expected);
    });
  });

  /** A boot partition with a/ and b/, config.txt committing A, and /proc/cmdline. */
  function device(cmdline: string, config = 'os_prefix=a/\r\n# mine\r\n[pi4]\r\ndtoverlay=x'): { boot: string; sys: string; env: Record<string, string> } {
    const d = mkdtempSync(join(base, `dev-${shell}-`));
    const boot = join(d, 'boot');
    const sys = join(d, 'sys');
    mkdirSync(join(boot, 'a'), { recursive: true });
    mkdirSync(join(boot, 'b'));
    mkdirSync(join(sys, 'proc'), { recursive: true });
    writeFileSync(join(boot, 'config.txt'), config);
    writeFileSync(join(sys, 'proc', 'cmdline'), `${cmdline}\n`);
    const env = { THREEOS_BOOT: boot, THREEOS_SYSROOT: sys, THREEOS_ROOT: join(d, 'root'), THREEOS_CONFIG: join(d, 'cfg'), THREEOS_STATE: join(d, 'state'), THREEOS_LOG: join(d, 'log') };
    return { boot, sys, env };
  }
  const agent = (env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> => run(shell, [AGENT_SCRIPT, 'slot', ...args], env);

  it('show: committed slot, running slot from the command line (GPT label, MBR partition number, PARTUUID), trial pending', async () => {
    const gpt = device('console=ttyAMA0 root=PARTLABEL=3os-root-b rootwait');
    writeFileSync(join(gpt.boot, 'tryboot.txt'), 'os_prefix=b/\r\n');
    const s = await agent(gpt.env);
    expect(s.code, s.err).toBe(0);
    expect(s.out).toBe('platform=rpi\nactive=b\ndefault=a\na=present\nb=present\ntrial=b\n');
    expect((await agent(device('root=/dev/mmcblk0p5 rootwait').env)).out).toMatch(/^active=b$/m);
    expect((await agent(device('root=/dev/mmcblk0p3').env)).out).toMatch(/^active=a$/m);
    expect((await agent(device('root=PARTUUID=6c586e13-05 ro').env)).out).toMatch(/^active=b\n[^]*^trial=$/m);
    // nothing on the command line names a slot: the committed one
    expect((await agent(device('quiet', 'os_prefix=b/\n').env)).out).toMatch(/^active=b$/m);
  });

  it('switch: rewrites only os_prefix in config.txt, drops a stale tryboot.txt, leaves no temp file', async () => {
    const d = device('root=PARTLABEL=3os-root-a');
    writeFileSync(join(d.boot, 'tryboot.txt'), 'os_prefix=b/\n');
    const r = await agent(d.env, 'b');
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(d.boot, 'config.txt'), 'latin1')).toBe('os_prefix=b/\r\n# mine\r\n[pi4]\r\ndtoverlay=x');
    expect(existsSync(join(d.boot, 'tryboot.txt'))).toBe(false);
    expect(existsSync(join(d.boot, 'config.txt.3os-new'))).toBe(false);
    expect(r.out).toMatch(/^default=b$/m);
  });

  it('refuses, changing nothing: a config.txt that is not a 3os layout, a missing slot directory', async () => {
    const foreign = device('root=PARTLABEL=3os-root-a', '[pi4]\nos_prefix=a/\n');
    const r = await agent(foreign.env, 'b');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/config\.txt is not a 3os Raspberry Pi layout: os_prefix \(line 2\) is under \[pi4\], not in \[all\]/);
    expect(readFileSync(join(foreign.boot, 'config.txt'), 'utf8')).toBe('[pi4]\nos_prefix=a/\n');
    const nob = device('root=PARTLABEL=3os-root-a');
    rmSync(join(nob.boot, 'b'), { recursive: true });
    const r2 = await agent(nob.env, 'b');
    expect(r2.err).toMatch(/no b\/ directory/);
    expect(readFileSync(join(nob.boot, 'config.txt'), 'latin1')).toBe('os_prefix=a/\r\n# mine\r\n[pi4]\r\ndtoverlay=x');
  });

  it('try: without the tryboot reboot helper it fails and writes nothing; with it, tryboot.txt selects the slot and the helper runs', async () => {
    const d = device('root=PARTLABEL=3os-root-a');
    const missing = await agent({ ...d.env, THREEOS_TRYBOOT_CMD: join(d.boot, '..', 'no-such-helper') }, 'try', 'b');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no-such-helper is missing: this image cannot reboot with the tryboot flag/);
    expect(existsSync(join(d.boot, 'tryboot.txt'))).toBe(false);

    const helper = join(d.boot, '..', 'reboot-tryboot');
    const marker = join(d.boot, '..', 'rebooted');
    writeFileSync(helper, `#!/bin/sh\necho "0 tryboot" >${marker}\n`);
    chmodSync(helper, 0o755);
    const ok = await agent({ ...d.env, THREEOS_TRYBOOT_CMD: helper }, 'try', 'b');
    expect(ok.code, ok.err).toBe(0);
    expect(readFileSync(join(d.boot, 'tryboot.txt'), 'latin1')).toBe('os_prefix=b/\r\n# mine\r\n[pi4]\r\ndtoverlay=x');
    expect(readFileSync(join(d.boot, 'config.txt'), 'latin1')).toBe('os_prefix=a/\r\n# mine\r\n[pi4]\r\ndtoverlay=x');
    expect(readFileSync(marker, 'utf8')).toBe('0 tryboot\n');
    // trying the committed slot is refused
    const same = await agent({ ...d.env, THREEOS_TRYBOOT_CMD: helper }, 'try', 'a');
    expect(same.err).toMatch(/already the committed slot/);
  });

  it('boot: a healthy trial boot commits itself; an unhealthy one is not committed; a normal boot changes nothing', async () => {
    const script = `${PRELUDE}slot_boot_commit`;
    const trial = device('root=PARTLABEL=3os-root-b');
    writeFileSync(join(trial.boot, 'tryboot.txt'), 'os_prefix=b/\r\n# mine\r\n[pi4]\r\ndtoverlay=x');
    const sick = await run(shell, ['-c', script], { LIB, BOOT: trial.boot, SYSROOT: trial.sys, HEALTH_CMD: 'false' });
    expect(sick.out).toMatch(/trial of b failed the health check; not committed \(a reset boots a\)/);
    expect(readFileSync(join(trial.boot, 'config.txt'), 'latin1')).toMatch(/^os_prefix=a\//);
    const well = await run(shell, ['-c', script], { LIB, BOOT: trial.boot, SYSROOT: trial.sys, HEALTH_CMD: 'true' });
    expect(well.out, well.err).toMatch(/trial of b healthy, committed/);
    expect(readFileSync(join(trial.boot, 'config.txt'), 'latin1')).toBe('os_prefix=b/\r\n# mine\r\n[pi4]\r\ndtoverlay=x');
    expect(existsSync(join(trial.boot, 'tryboot.txt'))).toBe(false);

    // a failed trial was reset: A runs, config.txt still commits A; nothing to undo
    const back = device('root=PARTLABEL=3os-root-a');
    writeFileSync(join(back.boot, 'tryboot.txt'), 'os_prefix=b/\n');
    const r = await run(shell, ['-c', script], { LIB, BOOT: back.boot, SYSROOT: back.sys });
    expect(r.out).toBe('');
    expect(readFileSync(join(back.boot, 'config.txt'), 'latin1')).toMatch(/^os_prefix=a\//);
  });

  it('mark good on a trial boot commits the running slot', async () => {
    const d = device('root=PARTLABEL=3os-root-b');
    const r = await agent(d.env, 'good');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^default=b$/m);
  });

  it('apply: a config with raspberry_pi puts the block into config.txt; an overlay the slot does not ship fails the whole config, nothing changed', async () => {
    const d = device('root=PARTLABEL=3os-root-a', 'os_prefix=a/\r\n# mine\r\n');
    const top = dirname(d.boot);
    layoutDevice({ root: join(top, 'root'), boot: join(top, 'unused-boot'), config: join(top, 'cfg'), sys: d.sys });
    mkdirSync(join(d.boot, 'a', 'overlays'));
    for (const o of ['w1-gpio', 'i2c-rtc']) writeFileSync(join(d.boot, 'a', 'overlays', `${o}.dtbo`), 'dtbo');
    const push = (raspberry_pi: unknown): void => {
      const r = renderConfig({ version: 1, hostname: 'pi-one', raspberry_pi });
      writeFileSync(join(top, 'cfg', '3os', 'config.yaml'), r.configYaml);
      writeFileSync(join(top, 'cfg', '3os', 'config.agent'), r.agentForm);
    };
    const result = (): { status: string; errors: string[] } => JSON.parse(readFileSync(join(top, 'cfg', '3os', 'result.json'), 'utf8')) as { status: string; errors: string[] };

    push({ i2c: true, dtoverlays: [{ name: 'sense-hat' }] });
    const bad = await run(shell, [AGENT_SCRIPT, 'apply'], d.env);
    expect(bad.code).toBe(1);
    expect(result()).toMatchObject({ status: 'failed', errors: ['rpi.hardware: the image has no overlay "sense-hat"; it ships: i2c-rtc, w1-gpio'] });
    expect(readFileSync(join(d.boot, 'config.txt'), 'latin1')).toBe('os_prefix=a/\r\n# mine\r\n');
    expect(readFileSync(join(top, 'root', 'etc', 'hostname'), 'utf8')).toBe('localhost\n');

    push({ i2c: true, dtoverlays: [{ name: 'w1-gpio', params: { gpiopin: 4 } }] });
    const ok = await run(shell, [AGENT_SCRIPT, 'apply'], d.env);
    expect(ok.code, `${ok.err} ${JSON.stringify(result())}`).toBe(0);
    expect(result().status).toBe('applied');
    expect(readFileSync(join(d.boot, 'config.txt'), 'latin1')).toBe('os_prefix=a/\r\n# mine\r\n# 3os:hardware begin\r\n[all]\r\ndtparam=i2c_arm=on\r\ndtoverlay=w1-gpio,gpiopin=4\r\n# 3os:hardware end\r\n');
    expect(readFileSync(join(top, 'root', 'etc', 'hostname'), 'utf8')).toBe('pi-one\n');
    expect(existsSync(join(d.boot, 'config.txt.3os-new'))).toBe(false);
  });
});
