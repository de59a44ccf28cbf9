// The schema's verdict on the shared config cases (test/fixtures/config-cases.json); the device
// agent is judged on the same cases in test/integration/agent-config-cases.test.ts.
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../../provisioning/config/issues.js';
import { validateConfig } from '../../../../provisioning/config/validate.js';
import { baseConfig, caseTitle, CONFIG_CASES, configWith } from '../../../fixtures/config-cases.js';

describe('shared config cases: the TypeScript schema', () => {
  it('the base config is valid', () => {
    const r = validateConfig(baseConfig());
    expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual([]);
  });

  it('every "agent accepts" case says why, and is one the schema refuses', () => {
    for (const c of CONFIG_CASES.filter((x) => x.agent !== undefined)) {
      expect(c.agent).toBe('accepts');
      expect(c.valid).toBe(false);
      expect(c.why ?? '').not.toBe('');
    }
  });

  it.each(CONFIG_CASES.map((c) => [caseTitle(c), c] as const))('%s', (_title, c) => {
    const r = validateConfig(configWith(c));
    const problems = r.ok ? [] : r.issues.map(formatIssue);
    expect(problems.length === 0, problems.join('; ')).toBe(c.valid);
    if (!c.valid) expect(problems.every((p) => p.startsWith(`${c.path.split('.')[0] ?? ''}`))).toBe(true);
  });
});
