/**
 * A Raspberry Pi trial over the serial protocol: the real agent (dash and busybox ash) on a pty,
 * a Pi boot partition (config.txt os_prefix, a/ and b/), the host's `3os-flash serial slot b
 * --try`: tryboot.txt is written, the answer comes back, then the agent runs the tryboot reboot
 * helper (a stand-in that records it was called). What the firmware then does is the QEMU
 * journey's part (test/e2e).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { serialCommand } from '../../main/cli/commands/serial.js';
import { startAgentHarness, type AgentHarness, type AgentShell } from '../../provisioning/serial/testing/agent-harness.js';
import { layoutDevice } from './serial-fixtures.js';

const CONFIG = 'os_prefix=a/\r\nenable_uart=1\r\n# a line of mine\r\n';

describe.each<AgentShell>(['dash', 'ash'])('Pi slot trial over serial, agent under %s', (shell) => {
  let h: AgentHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  async function cli(args: string[]): Promise<{ code: number; out: string }> {
    const out = new PassThrough();
    const err = new PassThrough();
    let o = '';
    out.on('data', (b: Buffer) => (o += b.toString()));
    const code = await serialCommand.run([...args, '--port', h?.hostPath ?? ''], { out, err, stdin: new PassThrough(), env: {} });
    return { code, out: o };
  }

  function piLayout(dirs: Parameters<typeof layoutDevice>[0]): void {
    layoutDevice(dirs);
    rmSync(join(dirs.boot, 'loader'), { recursive: true });
    mkdirSync(join(dirs.boot, 'a'));
    mkdirSync(join(dirs.boot, 'b'));
    writeFileSync(join(dirs.boot, 'config.txt'), CONFIG);
  }

  it('slot b --try writes tryboot.txt and reboots with the tryboot flag; without the helper it is refused and nothing is written', { timeout: 120_000 }, async () => {
    h = await startAgentHarness({ shell, prepare: piLayout, env: { THREEOS_TRYBOOT_CMD: '/nonexistent/reboot-tryboot' } });
    const show = await cli(['slot']);
    expect(show.out).toBe('platform rpi: running a, next boot a; a: present, b: present\n');
    await expect(cli(['slot', 'b', '--try'])).rejects.toThrow(/reboot-tryboot is missing: this image cannot reboot with the tryboot flag/);
    expect(existsSync(join(h.dirs.boot, 'tryboot.txt'))).toBe(false);
    await h.stop();

    // the same device with the helper
    const tmp = mkdtempSync(join(tmpdir(), '3os-tryboot-'));
    try {
      const helper = join(tmp, 'reboot-tryboot');
      const marker = join(tmp, 'called');
      writeFileSync(helper, `#!/bin/sh\necho "$0" >${marker}\n`);
      chmodSync(helper, 0o755);
      h = await startAgentHarness({ shell, prepare: piLayout, env: { THREEOS_TRYBOOT_CMD: helper } });
      const t = await cli(['slot', 'b', '--try']);
      expect(t.code).toBe(0);
      expect(t.out).toBe('platform rpi: running a, next boot a; a: present, b: present; tryboot.txt: b\nthe device is rebooting with the tryboot flag into slot b\n');
      expect(readFileSync(join(h.dirs.boot, 'tryboot.txt'), 'latin1')).toBe(CONFIG.replace('os_prefix=a/', 'os_prefix=b/'));
      expect(readFileSync(join(h.dirs.boot, 'config.txt'), 'latin1')).toBe(CONFIG);
      for (let i = 0; i < 50 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
      expect(readFileSync(marker, 'utf8')).toBe(`${helper}\n`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
