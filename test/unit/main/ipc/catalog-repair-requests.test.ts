// The new requests' payload validation: catalog ids and arches are checked before any handler
// runs, and a repair request must repeat its target in `confirm`.
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../../../main/ipc/contract.js';

describe('listCatalog / fetchCatalogImage payloads', () => {
  it('accepts a board, an arch, or neither', () => {
    expect(parseRequest('listCatalog', {}).ok).toBe(true);
    expect(parseRequest('listCatalog', { board: 'generic-x86_64', arch: 'x86_64' }).ok).toBe(true);
  });
  it('refuses an unknown arch, a malformed board id and extra keys', () => {
    const arch = parseRequest('listCatalog', { arch: 'mips' });
    expect(arch.ok).toBe(false);
    if (!arch.ok) expect(arch.message).toMatch(/listCatalog request at arch/);
    const board = parseRequest('listCatalog', { board: '../etc/passwd' });
    expect(board.ok).toBe(false);
    if (!board.ok) expect(board.message).toMatch(/at board: is not a catalog id/);
    expect(parseRequest('listCatalog', { url: 'https://evil.example/catalog.json' }).ok).toBe(false);
  });
  it('needs an image id to fetch', () => {
    expect(parseRequest('fetchCatalogImage', { id: '3os-debian-generic-x86_64', board: 'generic-x86_64' }).ok).toBe(true);
    expect(parseRequest('fetchCatalogImage', {}).ok).toBe(false);
    expect(parseRequest('fetchCatalogImage', { id: 'catalog:Upper Case' }).ok).toBe(false);
  });
});

describe('repairDisk payload', () => {
  it('passes when confirm repeats the target', () => {
    const r = parseRequest('repairDisk', { image: '/tmp/a.img', target: '/dev/loop7', confirm: '/dev/loop7' });
    expect(r.ok).toBe(true);
  });
  it('refuses a confirmation that differs from the target', () => {
    const r = parseRequest('repairDisk', { image: '/tmp/a.img', target: '/dev/loop7', confirm: '/dev/loop6' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toBe('invalid repairDisk request at confirm: confirm must repeat the target');
  });
  it('refuses a missing confirmation, a NUL in a path and extra keys', () => {
    expect(parseRequest('repairDisk', { image: '/tmp/a.img', target: '/dev/loop7' }).ok).toBe(false);
    expect(parseRequest('repairDisk', { image: '/tmp/a\0.img', target: '/dev/loop7', confirm: '/dev/loop7' }).ok).toBe(false);
    expect(parseRequest('repairDisk', { image: '/tmp/a.img', target: '/dev/loop7', confirm: '/dev/loop7', force: true }).ok).toBe(false);
  });
});
