// The LVM config-text parser/writer: grammar cases (the byte-exact round trip of text LVM wrote is
// in test/integration/lvm/config-text.test.ts).
import { describe, expect, it } from 'vitest';
import { findSection, findValue, parseConfigText, writeConfigNodes } from '../../../../provisioning/lvm/config-text.js';

describe('parseConfigText', () => {
  it('reads sections, values, arrays, escapes, comments and strtoll integers', () => {
    const nodes = parseConfigText(
      'vg { # comment\n a = "x\\"y\\\\z" b=017 c = 0x1F d = -5\n e = [ "p", 1 , "q" ] f=[] g = 1.5 \'h\' = \'s\\\'\n sub { k = [\n"pv0", 7\n] }\n}\ntop = 1\0garbage {',
    );
    const vg = findSection(nodes, 'vg');
    expect(vg).toBeDefined();
    const c = vg?.children ?? [];
    expect(findValue(c, 'a')).toEqual({ kind: 'string', value: 'x"y\\z' });
    expect(findValue(c, 'b')).toEqual({ kind: 'int', value: 15 });
    expect(findValue(c, 'c')).toEqual({ kind: 'int', value: 31 });
    expect(findValue(c, 'd')).toEqual({ kind: 'int', value: -5 });
    expect(findValue(c, 'e')).toMatchObject({ kind: 'array', items: [{ value: 'p' }, { value: 1 }, { value: 'q' }] });
    expect(findValue(c, 'f')).toMatchObject({ kind: 'array', items: [] });
    expect(findValue(c, 'g')).toEqual({ kind: 'raw', text: '1.5' });
    expect(findValue(c, 'h')).toEqual({ kind: 'string', value: 's\\' });
    expect(nodes.map((n) => n.name)).toEqual(['vg', 'top']);
    const written = writeConfigNodes(nodes);
    expect(written).toContain('a = "x\\"y\\\\z"\n');
    expect(written).toContain('b = 15\n');
    expect(written).toContain('k = [\n"pv0", 7\n]\n');
    expect(parseConfigText(written)).toEqual(nodes);
  });

  it('refuses broken text', () => {
    for (const bad of ['vg {', 'vg { a = }', 'a = "unterminated', '}', 'vg { a b }']) {
      expect(() => parseConfigText(bad)).toThrow(expect.objectContaining({ code: 'E_LVM_CORRUPT' }) as Error);
    }
  });
});
