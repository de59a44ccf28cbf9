// The LVM config-text parser/writer: grammar cases, and byte-exact round trips of text LVM wrote.
import { afterEach, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import { openDisk } from '../../../../flasher/disk-io.js';
import { findSection, findValue, parseConfigText, writeConfigNodes } from '../../../../provisioning/lvm/config-text.js';
import { readPhysicalVolume } from '../../../../provisioning/lvm/read-pv.js';
import { cleanupAll, LoopDisk, tempDir } from './lvm-fixture.js';

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

describe('round trip of real LVM metadata', () => {
  let dir = '';
  afterEach(async () => {
    await cleanupAll();
    if (dir !== '') await fsp.rm(dir, { recursive: true, force: true });
  });

  it('re-serializes the VG section LVM wrote byte for byte', async () => {
    dir = await tempDir('lvm-text-');
    const d = await LoopDisk.create(dir, 'pv.img', 64 * 1024 * 1024);
    try {
      await d.lvm('pvcreate', d.dev);
      await d.lvm('vgcreate', '--addtag', 'tag_one', '3os', d.dev);
      await d.lvm('lvcreate', '-an', '-Zn', '-n', 'etc', '-L', '8M', '--addtag', 'x', '3os');
      await d.lvm('lvcreate', '-an', '-Zn', '-n', 'home', '-L', '8M', '3os');
      await d.lvm('lvcreate', '-an', '-Zn', '-n', 'containers', '-L', '8M', '3os');
      await d.lvm('lvextend', '-L', '16M', '3os/etc');
      const io = await openDisk(d.dev);
      try {
        const pv = await readPhysicalVolume(io, 0, io.size);
        // The text as LVM itself reports it must be what we read.
        const dump = await d.lvm('pvck', '--dump', 'metadata', d.dev);
        expect(dump).toContain(pv.text.slice(0, pv.text.indexOf('# Generated')));
        const vgPart = pv.text.slice(0, pv.text.indexOf('# Generated'));
        expect(writeConfigNodes([pv.vg.section])).toBe(vgPart);
        expect(pv.vg.lvs.map((l) => [l.name, l.extents, l.segments.length])).toEqual([
          ['etc', 4, 2],
          ['home', 2, 1],
          ['containers', 2, 1],
        ]);
      } finally {
        await io.close();
      }
    } finally {
      await d.detach();
    }
  });
});
