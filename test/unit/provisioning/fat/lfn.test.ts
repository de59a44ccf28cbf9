// VFAT long-name entries: checksum, slicing into 13-character entries, and reassembly.
import { describe, expect, it } from 'vitest';
import { encodeLfn, lfnChecksum, LfnCollector, lfnEntryCount } from '../../../../provisioning/fat/lfn.js';

const short = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('LFN entries', () => {
  it('checksums the 8.3 name like mtools does', () => {
    // Vector read from an image where `mcopy` (GNU mtools 4.0.32) stored "My Long File Name.txt"
    // as MYLONG~1.TXT: both of its LFN entries carry checksum 0x70 at byte 13.
    expect(lfnChecksum(short('MYLONG~1TXT'))).toBe(0x70);
    // Spec algorithm by hand for a one-letter name: sum = rotate-right(0) + 0x41, then + 10 spaces.
    let sum = 0;
    for (const b of short('A          ')) sum = (((sum & 1) << 7) + (sum >> 1) + b) & 0xff;
    expect(lfnChecksum(short('A          '))).toBe(sum);
  });

  it('encodes the same bytes as mtools for "My Long File Name.txt"', () => {
    const e = encodeLfn('My Long File Name.txt', short('MYLONG~1TXT'));
    expect(e.map((b) => b.toString('hex'))).toEqual([
      '424e0061006d0065002e000f00707400780074000000ffffffff0000ffffffff',
      '014d00790020004c006f000f00706e0067002000460069006c00000065002000',
    ]);
  });

  it('needs no terminator when the name fills the last entry exactly', () => {
    const name = 'abcdefghijklm'; // 13 characters
    expect(lfnEntryCount(name)).toBe(1);
    const [e] = encodeLfn(name, short('ABCDEF~1   '));
    expect(e?.readUInt16LE(30)).toBe('m'.charCodeAt(0));
    expect(e?.[0]).toBe(0x41);
  });

  it('reassembles names, including UTF-16 surrogate pairs, and drops broken sequences', () => {
    const name = 'Größe 😀 with a rather long name.yaml';
    const sn = short('GR__E_~1YAM');
    const entries = encodeLfn(name, sn);
    const c = new LfnCollector();
    entries.forEach((e, i) => c.add(e, 10 + i));
    expect(c.finish(sn)).toEqual({ name, startIndex: 10 });

    // Wrong checksum: no long name.
    entries.forEach((e, i) => c.add(e, i));
    expect(c.finish(short('OTHER   YAM'))).toBeUndefined();

    // A missing middle entry: no long name.
    c.add(entries[0] ?? Buffer.alloc(32), 0);
    c.add(entries[2] ?? Buffer.alloc(32), 2);
    expect(c.finish(sn)).toBeUndefined();
  });
});
