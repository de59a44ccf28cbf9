// Short (8.3) name generation: basis names and numeric tails as Windows and Linux vfat make them.
import { describe, expect, it } from 'vitest';
import {
  basisName,
  exactShortName,
  foldName,
  formatShortName,
  generateShortName,
  invalidLongName,
  packShortName,
} from '../../../../provisioning/fat/short-name.js';

const gen = (name: string, taken: string[] = []): [string, boolean] => {
  const r = generateShortName(name, new Set(taken));
  return [r.short.toString('latin1'), r.needsLfn];
};

describe('short names', () => {
  it('keeps a valid upper-case 8.3 name as it is, with no long name', () => {
    expect(gen('README.TXT')).toEqual(['README  TXT', false]);
    expect(gen('A')).toEqual(['A          ', false]);
    expect(gen('CONFIG~1.YAM')).toEqual(['CONFIG~1YAM', false]);
    expect(exactShortName('readme.txt')).toBeUndefined();
    expect(exactShortName('TOOLONGNAME.TXT')).toBeUndefined();
    expect(exactShortName('A.B.C')).toBeUndefined();
    expect(exactShortName('A+B.TXT')).toBeUndefined();
  });

  it('upper-cases a lossless lower-case name without a tail, but adds a long name', () => {
    expect(gen('readme.txt')).toEqual(['README  TXT', true]);
    expect(gen('Makefile')).toEqual(['MAKEFILE   ', true]);
  });

  it('truncates to 8.3 and adds ~1 (the examples of the spec and of mtools)', () => {
    expect(gen('The quick brown.fox')).toEqual(['THEQUI~1FOX', true]);
    expect(gen('My Long File Name.txt')).toEqual(['MYLONG~1TXT', true]);
    expect(gen('config.yaml')).toEqual(['CONFIG~1YAM', true]);
  });

  it('drops spaces and all periods but the last; a leading period starts no extension', () => {
    expect(basisName('a.b.c.txt')).toEqual({ base: 'ABC', ext: 'TXT', lossy: true });
    expect(gen('a.b.c.txt')).toEqual(['ABC~1   TXT', true]);
    expect(gen('.bashrc')).toEqual(['BASHRC~1   ', true]);
    expect(gen('my file.txt')).toEqual(['MYFILE~1TXT', true]);
  });

  it("maps characters short names cannot hold to '_' (non-ASCII and + , ; = [ ])", () => {
    expect(gen('Größe.txt')).toEqual(['GR__E~1 TXT', true]);
    expect(gen('a+b.txt')).toEqual(['A_B~1   TXT', true]);
    expect(gen('[x];y=z,w')).toEqual(['_X__Y_~1   ', true]);
    expect(basisName('日本.txt')).toEqual({ base: '__', ext: 'TXT', lossy: true });
  });

  it('picks the first free numeric tail, shortening the base for longer tails', () => {
    expect(gen('The quick brown.fox', ['THEQUI~1FOX'])).toEqual(['THEQUI~2FOX', true]);
    const taken = Array.from({ length: 9 }, (_, i) => `LONGNA~${i + 1}TXT`);
    expect(gen('Long Name Number 10.txt', taken)).toEqual(['LONGN~10TXT', true]);
    expect(gen('readme.txt', ['README  TXT'])).toEqual(['README~1TXT', true]);
    expect(gen('README.TXT', ['README  TXT'])).toEqual(['README~1TXT', true]);
  });

  it('refuses names FAT cannot hold', () => {
    expect(invalidLongName('ok name.txt')).toBeUndefined();
    for (const bad of ['', '.', '..', 'a/b', 'a:b', 'a*b', 'a?', 'x\u0001', 'trailing.', 'trailing ', 'x'.repeat(256)]) {
      expect(invalidLongName(bad), JSON.stringify(bad)).toBeTypeOf('string');
    }
  });

  it('shows short names with the NT lower-case flags and 0x05 as 0xE5', () => {
    expect(formatShortName(packShortName('README', 'TXT'))).toBe('README.TXT');
    expect(formatShortName(packShortName('X', 'TXT'), 0x18)).toBe('x.txt');
    expect(formatShortName(packShortName('DIR', ''), 0x08)).toBe('dir');
    const raw = packShortName('\u0005AB', '');
    expect(formatShortName(raw)).toBe('σAB');
  });

  it('folds case per character, as the FAT up-case table does', () => {
    expect(foldName('Größe.txt')).toBe('GRÖßE.TXT');
    expect(foldName('config.YAML')).toBe(foldName('CONFIG.yaml'));
  });
});
