// The shared Pi config.txt cases (test/fixtures/pi-config-cases.json) judged on the TypeScript
// rules; test/integration/agent-pi-slot.test.ts judges the agent's shell on the same cases.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hardwareBlockOf, slotOf, withHardwareBlock, withSlot } from '../../../../provisioning/slots/pi-config-txt.js';

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
const DOC = JSON.parse(readFileSync(new URL('../../../fixtures/pi-config-cases.json', import.meta.url), 'utf8')) as { cases: PiCase[]; hardware: HardwareCase[] };
const CASES = DOC.cases;

describe('shared Pi config.txt cases (TypeScript rules)', () => {
  it('has valid and refused cases', () => {
    expect(CASES.filter((c) => c.slot !== undefined).length).toBeGreaterThan(4);
    expect(CASES.filter((c) => c.error !== undefined).length).toBeGreaterThan(4);
  });
  for (const c of CASES) {
    it(c.name, () => {
      if (c.error !== undefined) {
        expect(() => slotOf(c.config)).toThrow(c.error);
        expect(() => withSlot(c.config, 'a')).toThrow(c.error);
        return;
      }
      expect(slotOf(c.config)).toBe(c.slot);
      const other = c.slot === 'a' ? 'b' : 'a';
      expect(withSlot(c.config, other)).toBe(c.switched);
      expect(withSlot(c.switched ?? '', c.slot ?? 'a')).toBe(c.config);
    });
  }
});

describe('shared hardware block cases (TypeScript rules)', () => {
  for (const c of DOC.hardware) {
    it(c.name, () => {
      expect(withHardwareBlock(c.config, c.lines)).toBe(c.expected);
      expect(hardwareBlockOf(c.expected)).toEqual(c.lines);
      // idempotent: the same lines again change nothing
      expect(withHardwareBlock(c.expected, c.lines)).toBe(c.expected);
    });
  }
});
