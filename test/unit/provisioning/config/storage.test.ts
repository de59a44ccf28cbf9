// LV names and sizes: one table of accepted and refused values, run through every door a storage
// section comes in by (a config's `storage:`, a --policy file, the helper's parseStoragePolicy),
// which must agree case by case and word for word.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configIssuesOf, formatIssue, parseSize, parseStoragePolicy, validateConfig } from '../../../../provisioning/config/index.js';
import { readPolicyFile } from '../../../../main/cli/policy-file.js';
import { parseSize as lvmParseSize, parseStoragePolicy as lvmParseStoragePolicy } from '../../../../provisioning/lvm/index.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** Size text -> bytes or share (accepted), or undefined (refused). */
const SIZES: ReadonlyArray<[string, ReturnType<typeof parseSize>]> = [
  ['2G', { kind: 'bytes', bytes: 2 * GiB }],
  ['2GiB', { kind: 'bytes', bytes: 2 * GiB }],
  ['2GB', { kind: 'bytes', bytes: 2 * GiB }],
  ['2g', { kind: 'bytes', bytes: 2 * GiB }],
  ['2gib', { kind: 'bytes', bytes: 2 * GiB }],
  ['512M', { kind: 'bytes', bytes: 512 * MiB }],
  ['512MiB', { kind: 'bytes', bytes: 512 * MiB }],
  ['1.5T', { kind: 'bytes', bytes: 1.5 * 2 ** 40 }],
  ['1K', { kind: 'bytes', bytes: 1024 }],
  ['0.5K', { kind: 'bytes', bytes: 512 }],
  ['1P', { kind: 'bytes', bytes: 2 ** 50 }],
  ['4096B', { kind: 'bytes', bytes: 4096 }],
  ['4096b', { kind: 'bytes', bytes: 4096 }],
  ['100%FREE', { kind: 'percentFree', percent: 100 }],
  ['1%FREE', { kind: 'percentFree', percent: 1 }],
  ['60%free', { kind: 'percentFree', percent: 60 }],
  ['0G', undefined],
  ['0B', undefined],
  ['0%FREE', undefined],
  ['101%FREE', undefined],
  ['12', undefined],
  ['1.5', undefined],
  ['-1G', undefined],
  ['+1G', undefined],
  ['G', undefined],
  ['', undefined],
  ['5%VG', undefined],
  ['50%', undefined],
  ['1.5%FREE', undefined],
  ['2 G', undefined],
  [' 2G', undefined],
  ['2G ', undefined],
  ['1.5B', undefined],
  ['2Gi', undefined],
  ['2GiBs', undefined],
  ['2E', undefined],
  ['1e3M', undefined],
  ['99999999P', undefined],
];

/** LV names (lvm2 lib/misc/lvm-string.c: _validate_name + apply_lvname_restrictions). */
const NAMES: ReadonlyArray<[string, boolean]> = [
  ['data', true],
  ['home', true],
  ['my.data', true],
  ['a+b', true],
  ['_x', true],
  ['x-y', true],
  ['Data01', true],
  ['...', true],
  ['my_snapshot', true],
  ['snap', true],
  ['x_pool', true],
  ['a'.repeat(127), true],
  ['', false],
  ['-a', false],
  ['.', false],
  ['..', false],
  ['a'.repeat(128), false],
  ['my data', false],
  ['a/b', false],
  ['daten-ä', false],
  ['snapshot', false],
  ['snapshot1', false],
  ['pvmove0', false],
  ...['_cdata', '_cmeta', '_corig', '_cpool', '_cvol', '_wcorig', '_mimage', '_mlog', '_rimage', '_rmeta', '_tdata', '_tmeta', '_vdata', '_imeta', '_iorig', '_pmspare', '_vorigin'].map(
    (part): [string, boolean] => [`lv${part}_0`, false],
  ),
];

/** Whole sections: the cross-field rules. */
const SECTIONS: ReadonlyArray<[string, unknown, boolean]> = [
  ['documented example', { volumes: [{ name: 'containers', size: '60%FREE' }, { name: 'home', size: '2G' }, { name: 'logs', size: '1G', create: true, filesystem: 'ext4', mountpoint: '/var/log' }] }, true],
  ['empty list', { volumes: [] }, true],
  ['shares add up to 100', { volumes: [{ name: 'a', size: '60%FREE' }, { name: 'b', size: '40%free' }] }, true],
  ['shares add up to 110', { volumes: [{ name: 'a', size: '60%FREE' }, { name: 'b', size: '50%free' }] }, false],
  ['name twice', { volumes: [{ name: 'a', size: '1G' }, { name: 'a', size: '2G' }] }, false],
  ['mountpoint twice', { volumes: [{ name: 'a', size: '1G', create: true, mountpoint: '/srv' }, { name: 'b', size: '1G', create: true, mountpoint: '/srv' }] }, false],
  ['filesystem without create', { volumes: [{ name: 'a', size: '1G', filesystem: 'ext4' }] }, false],
  ['mountpoint without create', { volumes: [{ name: 'a', size: '1G', mountpoint: '/x' }] }, false],
  ['relative mountpoint', { volumes: [{ name: 'a', size: '1G', create: true, mountpoint: 'var/log' }] }, false],
  ['mountpoint with ..', { volumes: [{ name: 'a', size: '1G', create: true, mountpoint: '/srv/../etc' }] }, false],
  ['unknown filesystem', { volumes: [{ name: 'a', size: '1G', create: true, filesystem: 'btrfs' }] }, false],
  ['create not a boolean', { volumes: [{ name: 'a', size: '1G', create: 'yes' }] }, false],
  ['size not a string', { volumes: [{ name: 'a', size: 2 }] }, false],
  ['unknown volume key', { volumes: [{ name: 'a', size: '1G', color: 'red' }] }, false],
  ['unknown section key', { volumes: [], extra: 1 }, false],
  ['volumes not a list', { volumes: {} }, false],
  ['not a mapping', null, false],
];

function viaConfig(storage: unknown): string[] {
  const r = validateConfig({ version: 1, storage });
  return r.ok ? [] : r.issues.map(formatIssue);
}

function viaPolicy(storage: unknown, parse = parseStoragePolicy): string[] {
  try {
    parse(storage);
    return [];
  } catch (e) {
    expect(e).toMatchObject({ code: 'E_CONFIG_INVALID' });
    return configIssuesOf(e).map(formatIssue);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'storage-cases-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

async function viaPolicyFile(doc: unknown): Promise<string[]> {
  const file = join(dir, `policy-${fileNo++}.yaml`);
  writeFileSync(file, JSON.stringify(doc));
  try {
    await readPolicyFile(file);
    return [];
  } catch (e) {
    expect(e).toMatchObject({ code: 'E_CONFIG_INVALID' });
    return configIssuesOf(e).map(formatIssue);
  }
}

async function expectAllDoorsAgree(storage: unknown, valid: boolean): Promise<void> {
  const fromConfig = viaConfig(storage);
  expect(fromConfig.length === 0, fromConfig.join('; ')).toBe(valid);
  expect(viaPolicy(storage)).toEqual(fromConfig);
  expect(viaPolicy(storage, lvmParseStoragePolicy)).toEqual(fromConfig);
  expect(await viaPolicyFile(storage)).toEqual(fromConfig);
  expect(await viaPolicyFile({ version: 1, storage })).toEqual(fromConfig);
}

describe('storage sizes: one grammar for the config, --policy and the grow planner', () => {
  it.each(SIZES)('%j', async (size, parsed) => {
    expect(parseSize(size)).toEqual(parsed);
    expect(lvmParseSize(size)).toEqual(parsed);
    await expectAllDoorsAgree({ volumes: [{ name: 'data', size }] }, parsed !== undefined);
  });

  it('explains a bare number and an empty share', () => {
    expect(viaConfig({ volumes: [{ name: 'data', size: '512' }] })).toEqual([
      "storage.volumes[0].size: needs a unit, e.g. '512M' or '512G' (a bare number is ambiguous: lvcreate reads it as MiB)",
    ]);
    expect(viaConfig({ volumes: [{ name: 'data', size: '0%FREE' }] })).toEqual(['storage.volumes[0].size: the share must be from 1%FREE to 100%FREE']);
  });
});

describe('LV names: LVM\'s own rules, the same at every door', () => {
  it.each(NAMES)('%j valid=%s', async (name, valid) => {
    await expectAllDoorsAgree({ volumes: [{ name, size: '1G' }] }, valid);
  });

  it('names the reserved part', () => {
    expect(viaConfig({ volumes: [{ name: 'x_wcorig', size: '1G' }] })).toEqual(['storage.volumes[0].name: must not contain "_wcorig" (reserved by LVM)']);
    expect(viaConfig({ volumes: [{ name: 'pvmove0', size: '1G' }] })).toEqual(['storage.volumes[0].name: must not start with "pvmove" (reserved by LVM)']);
  });
});

describe('storage sections: the cross-field rules, the same at every door', () => {
  it.each(SECTIONS)('%s', async (_what, storage, valid) => {
    await expectAllDoorsAgree(storage, valid);
  });

  it('returns the policy it accepted', () => {
    const p = parseStoragePolicy({ volumes: [{ name: 'logs', size: '1G', create: true, filesystem: 'ext4', mountpoint: '/var/log' }] });
    expect(p).toEqual({ volumes: [{ name: 'logs', size: '1G', create: true, filesystem: 'ext4', mountpoint: '/var/log' }] });
  });

  it('says which input was wrong, in the grow phase', () => {
    try {
      parseStoragePolicy({ volumes: [{ name: 'a', size: '1Q' }] }, 'policy file p.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'E_CONFIG_INVALID', phase: 'grow' });
      expect((e as Error).message).toMatch(/^policy file p\.yaml is invalid \(1 problem\):\n {2}- storage\.volumes\[0\]\.size: must be a size/);
    }
  });
});
