/**
 * The device agent's validation (assets/agent/lib/config.sh: load_config + validate_config) on
 * the shared config cases, under dash and busybox ash with only the agent's busybox applets on
 * PATH. The schema is judged on the same cases in test/unit/provisioning/config/config-cases.test.ts:
 * the agent must agree with it, except where a case says the agent accepts (and why).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAgentForm } from '../../provisioning/config/agent-form.js';
import type { Config } from '../../provisioning/config/schema.js';
import { AGENT_APPLETS, AGENT_SCRIPT } from '../../provisioning/serial/testing/agent-harness.js';
import { baseConfig, caseTitle, CONFIG_CASES, configWith, type ConfigCase } from '../fixtures/config-cases.js';

const LIB = join(dirname(AGENT_SCRIPT), 'lib');
// The agent's own globals (3os-agent.sh), then only the validation, once per case directory
// ($W/1, $W/2, ...), each in a subshell with fresh state; one shell run for all cases.
const SCRIPT = `NL='
'; TAB=$(printf '\\t')
. "$LIB/config.sh"
for d in "$W"/*/; do
  ( ERRF="$d/errors"; KV="$d/kv"; : >"$ERRF"; load_config "$d/cfg" && validate_config; cat "$ERRF" )
  printf '@@end\\n'
done`;

let base: string;
let bin: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'agent-cases-'));
  bin = join(base, 'bin');
  mkdirSync(bin);
  for (const a of AGENT_APPLETS) symlinkSync('/bin/busybox', join(bin, a));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/**
 * The agent form the flasher writes for the part of the config a case is about (the whole base
 * config costs the slow device shell a process per key and check); where the case's field is
 * itself an agent key, its value goes in as the schema saw it (the renderer would, e.g., pad a
 * file mode).
 */
function agentFormFor(cfg: Record<string, unknown>, c: ConfigCase | undefined): { yaml: string; agent: string } {
  const part = c === undefined ? cfg : { version: 1, [c.path.split('.')[0] ?? '']: cfg[c.path.split('.')[0] ?? ''] };
  const yaml = `version: 1\n# ${c === undefined ? 'base' : caseTitle(c)}\n`;
  let agent = renderAgentForm(part as unknown as Config, yaml);
  if (c !== undefined && typeof c.value === 'string') {
    const re = new RegExp(`^${c.path.replace(/\./g, '\\.')}=.*$`, 'm');
    if (re.test(agent)) agent = agent.replace(re, `${c.path}=${Buffer.from(c.value, 'utf8').toString('base64')}`);
  }
  return { yaml, agent };
}

/** Run the agent's validation on every config under one shell; each one's errors, in order. */
async function agentErrors(shell: Shell, configs: ReadonlyArray<{ cfg: Record<string, unknown>; c?: ConfigCase }>): Promise<string[][]> {
  const w = mkdtempSync(join(base, `${shell}-`));
  configs.forEach(({ cfg, c }, i) => {
    const d = join(w, String(i).padStart(4, '0'), 'cfg');
    mkdirSync(d, { recursive: true });
    const form = agentFormFor(cfg, c);
    writeFileSync(join(d, 'config.yaml'), form.yaml);
    writeFileSync(join(d, 'config.agent'), form.agent);
  });
  const cmd = shell === 'dash' ? ['/usr/bin/dash'] : ['/bin/busybox', 'ash'];
  const p = spawn(cmd[0] ?? '', [...cmd.slice(1), '-c', SCRIPT], { env: { PATH: bin, W: w, LIB, TMPDIR: w } });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  p.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const status = await new Promise<number | null>((resolve, reject) => {
    p.on('error', reject);
    p.on('close', resolve);
  });
  if (status !== 0 || stderr !== '') throw new Error(`agent validation under ${shell} did not run (${String(status)}): ${stderr}`);
  const out: string[][] = [];
  let cur: string[] = [];
  for (const l of stdout.split('\n')) {
    if (l === '@@end') {
      out.push(cur);
      cur = [];
    } else if (l !== '') cur.push(l);
  }
  expect(out).toHaveLength(configs.length);
  return out;
}

type Shell = 'dash' | 'ash';
const SHELLS: readonly Shell[] = ['dash', 'ash'];
const results = new Map<Shell, string[][]>();

// Every validation forks a few busybox applets, so the cases take a while on a slow machine:
// both shells run at once, before the tests read their verdicts.
beforeAll(async () => {
  const configs = [{ cfg: baseConfig() }, ...CONFIG_CASES.map((c) => ({ cfg: configWith(c), c }))];
  const all = await Promise.all(SHELLS.map((sh) => agentErrors(sh, configs)));
  SHELLS.forEach((sh, i) => results.set(sh, all[i] ?? []));
}, 900_000);

describe.each(SHELLS.map((s) => [s] as const))('shared config cases: the device agent under %s', (shell) => {
  it('the base config is valid', () => {
    expect(results.get(shell)?.[0]).toEqual([]);
  });

  it.each(CONFIG_CASES.map((c, i) => [caseTitle(c), c, i + 1] as const))('%s', (_title, c, i) => {
    const errors = results.get(shell)?.[i] ?? ['(no result)'];
    const agentValid = c.valid || c.agent === 'accepts';
    expect(errors.length === 0, errors.join('; ')).toBe(agentValid);
  });
});
