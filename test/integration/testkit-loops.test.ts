// testkit/loop.ts with testkit/vitest-setup.ts: a device a test attaches is gone after that test
// (whether it passed or not: vitest runs the hooks either way), a device attached in beforeAll
// stays for the whole file, and nothing is left attached afterwards.
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachLoop, attachedLoops } from '../../testkit/loop.js';
import { shSync } from '../../testkit/sh.js';

let dir = '';
let fileDev = '';
let testDev = '';

async function sparse(name: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, '');
  await truncate(p, 1024 * 1024);
  return p;
}

/** The loop devices backed by `file`, as util-linux sees them. */
const backing = (file: string): string => shSync('losetup', ['-j', file]).stdout.trim();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), '3os-testkit-'));
  fileDev = await attachLoop(await sparse('file.img'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the loop registry', () => {
  it('attaches a device inside a test', async () => {
    testDev = await attachLoop(await sparse('test.img'));
    expect(attachedLoops()).toEqual([fileDev, testDev]);
    expect(backing(join(dir, 'test.img'))).toContain(testDev);
  });

  it('has detached it after that test; the beforeAll device stays', () => {
    expect(attachedLoops()).toEqual([fileDev]);
    expect(backing(join(dir, 'test.img'))).toBe('');
    expect(backing(join(dir, 'file.img'))).toContain(fileDev);
  });
});
