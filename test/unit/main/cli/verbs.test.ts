/**
 * The verb table of the CLI lists each verb's name and summary without importing its module
 * (fast start, issue 18): each entry must load the module of that verb and agree with it.
 */
import { describe, expect, it } from 'vitest';
import { commands } from '../../../../main/cli/commands/index.js';

describe('CLI verb table', () => {
  it('names every verb once', () => {
    const names = commands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).toBe('write');
  });

  for (const entry of commands) {
    it(`${entry.name}: loads its own module, whose name and summary it lists`, async () => {
      const cmd = await entry.load();
      expect(cmd.name).toBe(entry.name);
      expect(cmd.summary).toBe(entry.summary);
      expect(cmd.usage.length).toBeGreaterThan(0);
    });
  }
});
