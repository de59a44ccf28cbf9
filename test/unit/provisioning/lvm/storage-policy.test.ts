// The storage policy validator: accepted shapes, and E_CONFIG_INVALID with field paths.
import { describe, expect, it } from 'vitest';
import { parseSize, parseStoragePolicy } from '../../../../provisioning/lvm/storage-policy.js';

function reason(input: unknown): string {
  try {
    parseStoragePolicy(input);
  } catch (e) {
    expect(e).toMatchObject({ code: 'E_CONFIG_INVALID' });
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('parseStoragePolicy', () => {
  it('accepts the documented example', () => {
    const p = parseStoragePolicy({
      volumes: [
        { name: 'containers', size: '60%FREE' },
        { name: 'home', size: '2G' },
        { name: 'logs', size: '1G', create: true, filesystem: 'ext4', mountpoint: '/var/log' },
      ],
    });
    expect(p.volumes.map((v) => v.name)).toEqual(['containers', 'home', 'logs']);
    expect(p.volumes[2]).toEqual({ name: 'logs', size: '1G', create: true, filesystem: 'ext4', mountpoint: '/var/log' });
  });

  it('parses binary sizes and percentages', () => {
    expect(parseSize('512M')).toEqual({ kind: 'bytes', bytes: 512 * 2 ** 20 });
    expect(parseSize('2G')).toEqual({ kind: 'bytes', bytes: 2 * 2 ** 30 });
    expect(parseSize('1T')).toEqual({ kind: 'bytes', bytes: 2 ** 40 });
    expect(parseSize('1.5g')).toEqual({ kind: 'bytes', bytes: 1.5 * 2 ** 30 });
    expect(parseSize('100%FREE')).toEqual({ kind: 'percentFree', percent: 100 });
    for (const bad of ['0%FREE', '101%FREE', '12', '-1G', 'G', '5%VG', '0G']) expect(parseSize(bad)).toBeUndefined();
  });

  it('reports field paths', () => {
    expect(reason(null)).toMatch(/^storage:/);
    expect(reason({ volumes: {} })).toMatch(/^storage\.volumes:/);
    expect(reason({ volumes: [], extra: 1 })).toMatch(/^storage\.extra: unknown key/);
    expect(reason({ volumes: [{ name: 'a', size: '1Q' }] })).toMatch(/^storage\.volumes\[0\]\.size:/);
    expect(reason({ volumes: [{ name: 'a', size: '1G' }, { name: '-b', size: '1G' }] })).toMatch(/^storage\.volumes\[1\]\.name:/);
    expect(reason({ volumes: [{ name: 'a', size: '1G' }, { name: 'a', size: '2G' }] })).toMatch(/listed twice/);
    expect(reason({ volumes: [{ name: 'a_tmeta', size: '1G' }] })).toMatch(/reserved/);
    expect(reason({ volumes: [{ name: 'a', size: '60%FREE' }, { name: 'b', size: '50%FREE' }] })).toMatch(/110%/);
    expect(reason({ volumes: [{ name: 'a', size: '1G', create: 'yes' }] })).toMatch(/volumes\[0\]\.create/);
    expect(reason({ volumes: [{ name: 'a', size: '1G', create: true, filesystem: 'btrfs' }] })).toMatch(/volumes\[0\]\.filesystem/);
    expect(reason({ volumes: [{ name: 'a', size: '1G', create: true, mountpoint: 'var/log' }] })).toMatch(/volumes\[0\]\.mountpoint/);
    expect(reason({ volumes: [{ name: 'a', size: '1G', mountpoint: '/x' }] })).toMatch(/only for a volume with create: true/);
    expect(reason({ volumes: [{ name: 'a', size: '1G', color: 'red' }] })).toMatch(/volumes\[0\]\.color: unknown key/);
  });
});
