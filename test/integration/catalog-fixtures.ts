/**
 * Fixtures for the catalog integration tests: minisign keys and signatures made by the real tool,
 * a small 3os-layout image (sgdisk + mkfs.fat + mtools, 3os/image.json inside) compressed with xz,
 * and a local HTTP(S) server whose routes can drop a connection half-way, lie about sizes or
 * redirect, and which records the Range headers it was asked for.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { shSyncOk } from '../../testkit/sh.js';

export const MiB = 1024 * 1024;

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

export function makeKey(dir: string, name: string): { pub: string; sec: string } {
  const pub = join(dir, `${name}.pub`);
  const sec = join(dir, `${name}.sec`);
  shSyncOk('minisign', ['-G', '-W', '-f', '-p', pub, '-s', sec]);
  return { pub, sec };
}

/** Sign with the real minisign (prehashed by default, legacy with `legacy`); returns the .minisig text. */
export function sign(file: string, sec: string, opts: { legacy?: boolean; out?: string } = {}): string {
  const out = opts.out ?? `${file}.minisig`;
  shSyncOk('minisign', ['-S', ...(opts.legacy === true ? ['-l'] : []), '-s', sec, '-m', file, '-x', out]);
  return readFileSync(out, 'utf8');
}

/**
 * A 6 MiB image with boot and config partitions (FAT, 3os/image.json); returns raw and xz paths.
 * GPT (sgdisk, by PARTLABEL) by default; `table: 'mbr'` gives the MBR variant's first two
 * partitions (sfdisk, type 0x0c, found by order) at the same places.
 */
export function build3osLike(dir: string, info: Record<string, unknown>, opts: { table?: 'gpt' | 'mbr'; name?: string } = {}): { raw: string; xz: string } {
  const raw = join(dir, opts.name ?? 'disk.img');
  shSyncOk('truncate', ['-s', String(6 * MiB), raw]);
  if (opts.table === 'mbr') {
    shSyncOk('sh', ['-c', `printf 'label: dos\nstart=2048, size=2048, type=c\nstart=4096, size=6144, type=c\n' | sfdisk -q "$1"`, 'sh', raw]);
  } else {
    shSyncOk('sgdisk', ['-o', '-n', '1:2048:+1M', '-t', '1:c12a7328-f81f-11d2-ba4b-00a0c93ec93b', '-c', '1:3os-boot',
      '-n', '2:0:+3M', '-t', '2:ebd0a0a2-b9e5-4433-87c0-68b6b72699c7', '-c', '2:3os-config', raw]);
  }
  const cfgStart = 2 * MiB;
  shSyncOk('mkfs.fat', ['-F', '12', '-n', '3OS-CONFIG', '--offset', String(cfgStart / 512), raw, String((3 * MiB) / 1024)]);
  writeFileSync(join(dir, 'image.json'), JSON.stringify(info));
  shSyncOk('mmd', ['-i', `${raw}@@${cfgStart}`, '::/3os']);
  shSyncOk('mcopy', ['-i', `${raw}@@${cfgStart}`, join(dir, 'image.json'), '::/3os/image.json']);
  // Some recognisable payload past the config partition, so the write has data to carry.
  const fill = Buffer.alloc(MiB);
  for (let i = 0; i < fill.length; i++) fill[i] = (i * 31) & 0xff;
  const fd = readFileSync(raw);
  fill.copy(fd, 5 * MiB);
  writeFileSync(raw, fd);
  shSyncOk('xz', ['-k', '-f', '-T1', '-6', raw]);
  return { raw, xz: `${raw}.xz` };
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface TestServer {
  readonly url: string;
  readonly port: number;
  /** Range headers received, per path. */
  readonly ranges: Map<string, string[]>;
  route(path: string, h: Handler): void;
  close(): Promise<void>;
}

/** Serve `body` with Range support; `dropAt`: the first full request is cut after that many bytes. */
export function bytes(body: Buffer, opts: { dropAt?: number; announce?: number; chunked?: boolean } = {}): Handler {
  let dropped = false;
  return (req, res) => {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m === null ? 0 : Number(m[1]);
    const part = body.subarray(start);
    const headers: Record<string, string> = { 'accept-ranges': 'bytes', etag: `"${sha256(body).slice(0, 16)}"` };
    if (opts.chunked !== true) headers['content-length'] = String(opts.announce ?? part.length);
    if (m !== null) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(m === null ? 200 : 206, headers);
    if (opts.dropAt !== undefined && !dropped && start === 0) {
      dropped = true;
      res.write(part.subarray(0, opts.dropAt), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(part);
  };
}

export function status(code: number, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(code, headers);
    res.end();
  };
}

export async function startServer(tls?: { key: string; cert: string }): Promise<TestServer> {
  const routes = new Map<string, Handler>();
  const ranges = new Map<string, string[]>();
  const handler: Handler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.headers.range !== undefined) ranges.set(path, [...(ranges.get(path) ?? []), req.headers.range]);
    const h = routes.get(path);
    if (h === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    h(req, res);
  };
  const server = tls === undefined ? http.createServer(handler) : https.createServer(tls, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    ranges,
    route: (p, h) => routes.set(p, h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A self-signed certificate for 127.0.0.1 made with openssl. */
export function selfSignedCert(dir: string): { key: string; cert: string } {
  const key = join(dir, 'tls.key');
  const cert = join(dir, 'tls.crt');
  shSyncOk('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}
