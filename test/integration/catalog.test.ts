/**
 * The image catalog end to end, against a local HTTP(S) server: signed catalogs and images
 * (signatures made by the real minisign), resume after a dropped connection and after a restart,
 * wrong checksum, bad signature, untrusted key, tampered catalog, oversize bodies, a redirect to
 * http, board checks (catalog entry and the image's own 3os/image.json), offline mode with the
 * server gone, and `write CATALOG_ID --board B --to FILE` through the CLI.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSource, resolveSource, type CatalogOptions, type ResolveOptions } from '../../flasher/catalog/index.js';
import { readImageInfo } from '../../provisioning/detect/image-info.js';
import { runCli } from '../../testkit/cli.js';
import { build3osLike, bytes, makeKey, selfSignedCert, sha256, sign, startServer, status, type TestServer } from './catalog-fixtures.js';

let dir: string;
let key: { pub: string; sec: string };
let rogue: { pub: string; sec: string };
let raw: Buffer;
let xz: Buffer;
let xzPath: string;
let goodSig: string;
let server: TestServer;
let n = 0;

function entry(id: string, url: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, name: id, flavor: 'debian', version: '0.1.0', arch: 'x86_64', boards: ['generic-x86_64'], released: '2026-01-01',
    url, signatureUrl: `${url}.minisig`,
    download: { size: xz.length, sha256: sha256(xz) }, decoded: { size: raw.length, sha256: sha256(raw) },
    ...over,
  };
}

/** Serve a signed catalog at /<name>.json; returns its URL. */
function serveCatalog(name: string, images: Record<string, unknown>[], opts: { tamper?: boolean; unsigned?: boolean } = {}): string {
  const file = join(dir, `${name}.json`);
  const body = Buffer.from(JSON.stringify({ version: 1, name, images }));
  writeFileSync(file, body);
  const sig = sign(file, key.sec);
  server.route(`/${name}.json`, bytes(opts.tamper === true ? Buffer.from(body.toString().replace('0.1.0', '0.1.1')) : body));
  if (opts.unsigned !== true) server.route(`/${name}.json.minisig`, bytes(Buffer.from(sig)));
  return `${server.url}/${name}.json`;
}

function opts(catalog: string, over: Partial<CatalogOptions> = {}): ResolveOptions {
  return { catalogs: [catalog], trustedKeys: [key.pub], cacheDir: join(dir, `cache-${n++}`), readImageInfo, ...over };
}

async function codeOf(spec: string, o: ResolveOptions): Promise<string> {
  const r = await checkSource(spec, o);
  return r.ok ? 'ok' : `${r.error.code}: ${r.error.message}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'catalog-it-'));
  key = makeKey(dir, 'trusted');
  rogue = makeKey(dir, 'rogue');
  const img = build3osLike(dir, { flavor: 'debian', version: '0.1.0', arch: 'x86_64', boards: ['generic-x86_64'], build_id: 'it' });
  raw = readFileSync(img.raw);
  xzPath = img.xz;
  xz = readFileSync(img.xz);
  goodSig = sign(img.xz, key.sec);
  server = await startServer();
  server.route('/img.xz', bytes(xz));
  server.route('/img.xz.minisig', bytes(Buffer.from(goodSig)));
}, 60_000);

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('catalog: downloads and trust', () => {
  it('downloads a signed image from a signed catalog into the cache, verified', async () => {
    const cat = serveCatalog('good', [entry('t', `${server.url}/img.xz`)]);
    const r = await resolveSource('catalog:t', { ...opts(cat), board: 'generic-x86_64' });
    expect(r.trust).toMatchObject({ kind: 'signed', algorithm: 'ED' });
    expect(r.downloaded).toBe(true);
    expect(readFileSync(r.image).equals(xz)).toBe(true);
    expect(r.sha256).toBe(sha256(raw));
  });

  it('resumes a connection dropped half-way with a Range request', async () => {
    server.route('/drop/img.xz', bytes(xz, { dropAt: Math.floor(xz.length / 2) }));
    server.route('/drop/img.xz.minisig', bytes(Buffer.from(goodSig)));
    const cat = serveCatalog('drop', [entry('t', `${server.url}/drop/img.xz`)]);
    const r = await resolveSource('catalog:t', opts(cat));
    expect(readFileSync(r.image).equals(xz)).toBe(true);
    const asked = server.ranges.get('/drop/img.xz') ?? [];
    expect(asked.length).toBeGreaterThan(0);
    expect(Number(/bytes=(\d+)-/.exec(asked[0] ?? '')?.[1])).toBeGreaterThan(0);
  });

  it('resumes a partial download left by an earlier run (restart)', async () => {
    server.route('/restart/img.xz', bytes(xz));
    server.route('/restart/img.xz.minisig', bytes(Buffer.from(goodSig)));
    const cat = serveCatalog('restart', [entry('t', `${server.url}/restart/img.xz`)]);
    const o = opts(cat);
    const cacheDir = o.cacheDir ?? '';
    await runCli(['cache', 'list', '--cache-dir', cacheDir]); // creates the folders
    const half = Math.floor(xz.length / 3);
    writeFileSync(join(cacheDir, 'partial', `${sha256(xz)}.part`), xz.subarray(0, half));
    const r = await resolveSource('catalog:t', o);
    expect(readFileSync(r.image).equals(xz)).toBe(true);
    expect(server.ranges.get('/restart/img.xz')).toEqual([`bytes=${half}-`]);
  });

  it('refuses a wrong checksum and keeps nothing in the cache', async () => {
    const cat = serveCatalog('wrongsum', [entry('t', `${server.url}/img.xz`, { download: { size: xz.length, sha256: sha256(raw) } })]);
    const o = opts(cat);
    expect(await codeOf('catalog:t', o)).toMatch(/^E_CHECKSUM: checksum mismatch/);
    expect(readdirSync(join(o.cacheDir ?? '', 'images'))).toEqual([]);
  });

  it('refuses a bad signature (signature of another file) and a key that is not trusted', async () => {
    const other = join(dir, 'other.bin');
    writeFileSync(other, 'not the image');
    server.route('/badsig/img.xz', bytes(xz));
    server.route('/badsig/img.xz.minisig', bytes(Buffer.from(sign(other, key.sec))));
    server.route('/rogue/img.xz', bytes(xz));
    server.route('/rogue/img.xz.minisig', bytes(Buffer.from(sign(xzPath, rogue.sec, { out: join(dir, 'rogue.minisig') }))));
    const cat = serveCatalog('sigs', [entry('bad', `${server.url}/badsig/img.xz`), entry('rogue', `${server.url}/rogue/img.xz`)]);
    expect(await codeOf('catalog:bad', opts(cat))).toMatch(/^E_SIGNATURE: image bad does not match its signature/);
    expect(await codeOf('catalog:rogue', opts(cat))).toMatch(/^E_UNTRUSTED_KEY: /);
    // --trust-unsigned never overrides a bad signature.
    expect(await codeOf('catalog:bad', opts(cat, { trustUnsigned: true }))).toMatch(/^E_SIGNATURE/);
  });

  it('refuses a tampered catalog, and an unsigned one unless trusted (never over plain http)', async () => {
    const tampered = serveCatalog('tampered', [entry('t', `${server.url}/img.xz`)], { tamper: true });
    expect(await codeOf('catalog:t', opts(tampered))).toMatch(/^E_SIGNATURE: catalog .*tampered/);
    const unsigned = serveCatalog('unsigned', [entry('t', `${server.url}/img.xz`)], { unsigned: true });
    expect(await codeOf('catalog:t', opts(unsigned))).toMatch(/^E_UNSIGNED: catalog .* is not signed/);
    expect(await codeOf('catalog:t', opts(unsigned, { trustUnsigned: true }))).toMatch(/^E_INSECURE/);
  });

  it('cuts off a body larger than the catalog declares (announced, or chunked)', async () => {
    const bigger = Buffer.concat([xz, Buffer.alloc(4096, 1)]);
    server.route('/big/img.xz', bytes(bigger));
    server.route('/big/img.xz.minisig', bytes(Buffer.from(goodSig)));
    server.route('/chunked/img.xz', bytes(bigger, { chunked: true }));
    server.route('/chunked/img.xz.minisig', bytes(Buffer.from(goodSig)));
    const cat = serveCatalog('big', [entry('a', `${server.url}/big/img.xz`), entry('c', `${server.url}/chunked/img.xz`)]);
    expect(await codeOf('catalog:a', opts(cat))).toMatch(/^E_OVERSIZE: .*announces/);
    const o = opts(cat);
    expect(await codeOf('catalog:c', o)).toMatch(/^E_OVERSIZE: .*ran past it/);
    expect(readdirSync(join(o.cacheDir ?? '', 'partial'))).toEqual([]);
  });

  it('does not offer an image for the wrong board', async () => {
    const cat = serveCatalog('boards', [entry('t', `${server.url}/img.xz`), entry('arm', `${server.url}/img.xz`, { arch: 'aarch64', boards: ['qemu-virt-arm64'] })]);
    expect(await codeOf('catalog:t', { ...opts(cat), board: 'qemu-virt-arm64' })).toMatch(/^E_BOARD_MISMATCH: image t does not fit board qemu-virt-arm64: the image is for x86_64/);
    const list = await runCli(['catalog', '--catalog', cat, '--trusted-key', key.pub, '--board', 'qemu-virt-arm64', '--json', '--cache-dir', join(dir, 'cache-list')]);
    expect(list.code).toBe(0);
    const ids = (JSON.parse(list.out) as { images: { id: string }[] }).images.map((i) => i.id);
    expect(ids).toContain('arm');
    expect(ids).not.toContain('t');
  });

  it('checks a file that is not in a catalog against the board through its own 3os/image.json', async () => {
    const cat = serveCatalog('files', []);
    // xz (decoded in memory up to the config partition) and raw (read in place), both signed.
    sign(join(dir, 'disk.img'), key.sec);
    for (const f of [xzPath, join(dir, 'disk.img')]) {
      expect(await codeOf(f, { ...opts(cat), board: 'generic-x86_64' })).toBe('ok');
      expect(await codeOf(f, { ...opts(cat), board: 'qemu-virt-arm64' })).toMatch(/^E_BOARD_MISMATCH: .*does not fit board qemu-virt-arm64: the image is for x86_64/);
    }
    // An unsigned file needs the explicit "I trust this file".
    const copy = join(dir, 'unsigned.img.xz');
    writeFileSync(copy, xz);
    const r = await checkSource(copy, { ...opts(cat), board: 'generic-x86_64' });
    expect(r.ok === false && r.needsConsent).toBe(true);
    expect(await codeOf(copy, { ...opts(cat), board: 'generic-x86_64', trustUnsigned: true })).toBe('ok');
  });
});

describe('catalog: https', () => {
  let tls: TestServer;
  let ca: string;
  beforeAll(async () => {
    const cert = selfSignedCert(dir);
    ca = cert.cert;
    tls = await startServer(cert);
  });
  afterAll(async () => tls.close());

  it('fetches a signed catalog over https with an extra CA, and refuses a redirect to http', async () => {
    const body = readFileSync(join(dir, 'good.json'));
    tls.route('/c.json', bytes(body));
    tls.route('/c.json.minisig', bytes(readFileSync(join(dir, 'good.json.minisig'))));
    tls.route('/down/img.xz', status(302, { location: `${server.url}/img.xz` }));
    tls.route('/down/img.xz.minisig', bytes(Buffer.from(goodSig)));
    const r = await resolveSource(`${tls.url}/down/img.xz`, { ...opts(`${tls.url}/c.json`, { ca }), trustUnsigned: false }).catch((e: unknown) => e);
    expect((r as { code?: string }).code).toBe('E_INSECURE');
    expect(String((r as Error).message)).toMatch(/refused a redirect from https to http/);
    // Without the CA the self-signed server is not trusted at all.
    expect(await codeOf('catalog:t', opts(`${tls.url}/c.json`))).toMatch(/^E_NETWORK/);
    expect(await codeOf('catalog:t', opts(`${tls.url}/c.json`, { ca }))).toBe('ok');
  });
});

describe('catalog: write through the CLI, then offline with the server gone', () => {
  it('write CATALOG_ID --board generic-x86_64 --to FILE downloads into the cache and writes the decoded image; offline works from the cache', async () => {
    const local = await startServer();
    const body = Buffer.from(JSON.stringify({ version: 1, name: 'e2e', images: [entry('e2e-x86', 'img.xz')] }));
    writeFileSync(join(dir, 'e2e.json'), body);
    local.route('/e2e.json', bytes(body));
    local.route('/e2e.json.minisig', bytes(Buffer.from(sign(join(dir, 'e2e.json'), key.sec))));
    local.route('/img.xz', bytes(xz));
    local.route('/img.xz.minisig', bytes(Buffer.from(goodSig)));
    const cat = `${local.url}/e2e.json`;
    const cacheDir = join(dir, 'cache-e2e');
    const common = ['--catalog', cat, '--trusted-key', key.pub, '--cache-dir', cacheDir, '--yes', '--json'];
    const out1 = join(dir, 'out1.img');
    const r1 = await runCli(['write', 'catalog:e2e-x86', '--board', 'generic-x86_64', '--to', out1, ...common]);
    expect(r1.code, r1.err + r1.out).toBe(0);
    expect(readFileSync(out1).equals(raw)).toBe(true);
    const lines = r1.out.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; bytes?: number; total?: number });
    const downloads = lines.filter((l) => l.kind === 'download');
    expect(downloads.at(-1)).toMatchObject({ bytes: xz.length, total: xz.length });

    await local.close(); // the network is gone: the catalog URL now points at a closed port

    const out2 = join(dir, 'out2.img');
    const r2 = await runCli(['write', 'e2e-x86', '--board', 'generic-x86_64', '--to', out2, '--offline', ...common]);
    expect(r2.code, r2.err + r2.out).toBe(0);
    expect(readFileSync(out2).equals(raw)).toBe(true);
    expect(r2.out).toMatch(/from the cache/);

    // Offline, an image that is not cached is a clear error, and nothing is written.
    rmSync(join(cacheDir, 'images'), { recursive: true });
    const out3 = join(dir, 'out3.img');
    const r3 = await runCli(['write', 'catalog:e2e-x86', '--to', out3, '--offline', ...common]);
    expect(r3.out).toMatch(/"code":"E_OFFLINE"/);
    expect(existsSync(out3)).toBe(false);

    // The cache verb sees the same folder (index read by a new instance).
    const list = await runCli(['cache', 'list', '--cache-dir', cacheDir, '--json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.out) as { entries: unknown[] }).entries).toEqual([]);
  });
});
