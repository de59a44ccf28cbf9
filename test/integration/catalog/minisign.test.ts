/**
 * minisign verification against signatures made by the real `minisign` tool: prehashed (ED) and
 * legacy (Ed) verify; a flipped byte, an altered trusted comment, another key and a garbled file
 * do not.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shSyncOk } from '../../../testkit/sh.js';
import { parsePublicKey, parseSignature, verifyBytes, verifyFile, type PublicKey } from '../../../flasher/catalog/minisign.js';

let dir: string;
let key: PublicKey;
let other: PublicKey;
let data: Buffer;

const minisign = (...args: string[]): string => shSyncOk('minisign', args);

async function verdict(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'minisign-'));
  minisign('-G', '-W', '-p', join(dir, 'k.pub'), '-s', join(dir, 'k.sec'));
  minisign('-G', '-W', '-p', join(dir, 'o.pub'), '-s', join(dir, 'o.sec'));
  key = parsePublicKey(readFileSync(join(dir, 'k.pub'), 'utf8'), 'k.pub');
  other = parsePublicKey(readFileSync(join(dir, 'o.pub'), 'utf8'), 'o.pub');
  data = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
  writeFileSync(join(dir, 'f.img'), data);
  minisign('-S', '-s', join(dir, 'k.sec'), '-m', join(dir, 'f.img'), '-t', 'release 1.0');
  writeFileSync(join(dir, 'legacy.img'), data);
  minisign('-S', '-l', '-s', join(dir, 'k.sec'), '-m', join(dir, 'legacy.img'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('minisign', () => {
  it('reads the key id the way minisign prints it', () => {
    const printed = /public key ([0-9A-F]{16})/.exec(readFileSync(join(dir, 'k.pub'), 'utf8'))?.[1];
    expect(key.keyId).toBe(printed);
  });

  it('verifies a prehashed (ED) signature made by minisign, with its trusted comment', async () => {
    const sig = readFileSync(join(dir, 'f.img.minisig'), 'utf8');
    expect(parseSignature(sig).algorithm).toBe('ED');
    const v = await verifyFile(join(dir, 'f.img'), sig, [other, key], 'f.img');
    expect(v).toMatchObject({ keyId: key.keyId, prehashed: true, trustedComment: 'release 1.0' });
    expect((await verifyBytes(data, sig, [key], 'f')).keyId).toBe(key.keyId);
  });

  it('verifies a legacy (Ed) signature made by minisign -l', async () => {
    const sig = readFileSync(join(dir, 'legacy.img.minisig'), 'utf8');
    expect(parseSignature(sig).algorithm).toBe('Ed');
    expect((await verifyFile(join(dir, 'legacy.img'), sig, [key], 'legacy')).prehashed).toBe(false);
  });

  it('minisign itself agrees with our verdicts', () => {
    expect(() => minisign('-V', '-q', '-p', join(dir, 'k.pub'), '-m', join(dir, 'f.img'))).not.toThrow();
  });

  it('rejects a file with one flipped bit (both variants)', async () => {
    const bad = Buffer.from(data);
    bad[1_000_000] = (bad[1_000_000] ?? 0) ^ 1;
    for (const name of ['f.img', 'legacy.img']) {
      const sig = readFileSync(join(dir, `${name}.minisig`), 'utf8');
      expect(await verdict(verifyBytes(bad, sig, [key], name))).toBe('E_SIGNATURE');
    }
    writeFileSync(join(dir, 'bad.img'), bad);
    expect(() => minisign('-V', '-q', '-p', join(dir, 'k.pub'), '-m', join(dir, 'bad.img'), '-x', join(dir, 'f.img.minisig'))).toThrow();
    expect(await verdict(verifyFile(join(dir, 'bad.img'), readFileSync(join(dir, 'f.img.minisig'), 'utf8'), [key], 'bad'))).toBe('E_SIGNATURE');
  });

  it('rejects an altered trusted comment (global signature)', async () => {
    const sig = readFileSync(join(dir, 'f.img.minisig'), 'utf8').replace('trusted comment: release 1.0', 'trusted comment: release 9.9');
    expect(await verdict(verifyBytes(data, sig, [key], 'f'))).toBe('E_SIGNATURE');
  });

  it('rejects a signature by a key that is not trusted', async () => {
    const sig = readFileSync(join(dir, 'f.img.minisig'), 'utf8');
    expect(await verdict(verifyBytes(data, sig, [other], 'f'))).toBe('E_UNTRUSTED_KEY');
    expect(await verdict(verifyBytes(data, sig, [], 'f'))).toBe('E_UNTRUSTED_KEY');
  });

  it('rejects malformed signature files and keys', async () => {
    expect(await verdict(verifyBytes(data, 'hello\n', [key], 'f'))).toBe('E_SIGNATURE');
    const lines = readFileSync(join(dir, 'f.img.minisig'), 'utf8').split('\n');
    expect(await verdict(verifyBytes(data, [lines[0], `${lines[1]?.slice(0, 20)}`, lines[2], lines[3]].join('\n'), [key], 'f'))).toBe('E_SIGNATURE');
    expect(() => parsePublicKey('untrusted comment: x\nAAAA\n')).toThrow(/not a minisign/);
  });
});
