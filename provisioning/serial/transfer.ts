/**
 * Chunked, windowed, resumable payload transfer (docs/serial-protocol.md §4): BEGIN asks the
 * device what it already holds of this payload (transfer id + SHA-256), DATA chunks go out with
 * several in flight (go-back-N on a gap or a timeout), and COMMIT makes the device check the
 * whole-payload SHA-256 before it applies anything.
 */
import { createHash } from 'node:crypto';
import { packConfigArchive } from './archive.js';
import type { SerialClient } from './client.js';
import type { Frame } from './frame.js';

export interface TransferOptions {
  /** Raw bytes per DATA frame (base64 makes the line 4/3 longer). 2048 keeps lines < 4 KiB. */
  readonly chunkSize?: number;
  /** Chunks in flight. */
  readonly window?: number;
  /** Timeouts without progress before giving up. */
  readonly maxRetries?: number;
  readonly onProgress?: (sent: number, total: number) => void;
  /** Timeout for COMMIT (the device applies the config before it answers). */
  readonly commitTimeoutMs?: number;
}

export type TransferKind = 'config' | 'probe';

export interface TransferResult {
  readonly xid: string;
  readonly bytes: number;
  readonly resumedFrom: number;
  readonly seconds: number;
  /** Retransmitted chunks. */
  readonly retransmits: number;
  readonly answer: Frame;
}

export function transferId(sha256: string): string {
  return sha256.slice(0, 16);
}

export async function sendPayload(client: SerialClient, data: Buffer, kind: TransferKind, opts: TransferOptions = {}): Promise<TransferResult> {
  const chunk = opts.chunkSize ?? 2048;
  const window = opts.window ?? 4;
  const maxRetries = opts.maxRetries ?? 6;
  const sha = createHash('sha256').update(data).digest('hex');
  const xid = transferId(sha);
  const started = Date.now();
  const begin = await client.request('BEGIN', `${xid},${data.length},${sha},${kind}`);
  const resumedFrom = Number(begin.args.split(',')[1]);
  if (begin.type !== 'HAVE' || !Number.isSafeInteger(resumedFrom) || resumedFrom > data.length) {
    throw client.error(`unexpected answer to BEGIN: ${begin.type} ${begin.args}`);
  }
  // One DATA line on the wire, to size the ACK timeout from the line speed.
  const lineBytes = Math.ceil(chunk / 3) * 4 + 60;
  const ackTimeout = Math.ceil(((lineBytes * window * 10) / client.baud) * 1000) + 1500;

  const acks: number[] = [];
  let wake: (() => void) | undefined;
  const off = client.transport.onFrame((f) => {
    if (f.type === 'ACK' && f.args.startsWith(`${xid},`)) {
      acks.push(Number(f.args.slice(xid.length + 1)));
      wake?.();
    } else if (f.type === 'ERR' && f.args === 'xfer') {
      acks.push(-1);
      wake?.();
    }
  });
  const nextAck = (): Promise<number | undefined> =>
    new Promise((resolve) => {
      const a = acks.shift();
      if (a !== undefined) {
        resolve(a);
        return;
      }
      const t = setTimeout(() => {
        wake = undefined;
        resolve(undefined);
      }, ackTimeout);
      wake = () => {
        clearTimeout(t);
        wake = undefined;
        resolve(acks.shift());
      };
    });

  let base = resumedFrom;
  let next = base;
  let retries = 0;
  let retransmits = 0;
  let highest = base;
  let lastGoBack = -1;
  let lastGoBackAt = 0;
  // After a go-back, the resent chunks need about one window of wire time to arrive.
  const windowTime = Math.ceil(((lineBytes * window * 10) / client.baud) * 1000) + 300;
  try {
    while (base < data.length) {
      while (next < data.length && next - base < chunk * window) {
        const piece = data.subarray(next, next + chunk);
        if (next < highest) retransmits++;
        await client.send('DATA', `${xid},${next}`, piece, client.nextSeq());
        next += piece.length;
        highest = Math.max(highest, next);
      }
      const have = await nextAck();
      if (have === -1) throw client.error('the device lost the transfer (ERR xfer); run the push again to resume');
      if (have === undefined) {
        retries++;
        if (retries > maxRetries) throw client.error(`transfer failed after ${maxRetries} retries (device holds ${base} of ${data.length} bytes; run the push again to resume)`);
        next = base; // go back N
        continue;
      }
      if (have > base) {
        base = Math.min(have, data.length);
        retries = 0;
        opts.onProgress?.(base, data.length);
        if (next < base) next = base;
      } else if (have === base && have < next && (lastGoBack !== have || Date.now() - lastGoBackAt > windowTime)) {
        // A duplicate ACK: the device saw a gap (a chunk lost or corrupted). Resend from there
        // (again only once the previous resend has had time to arrive).
        lastGoBack = have;
        lastGoBackAt = Date.now();
        next = have;
      } else if (have < base) {
        // The device restarted the transfer (its partial file was lost): follow it.
        base = have;
        next = have;
      }
    }
  } finally {
    off();
  }
  const commitArgs = kind === 'config' ? await client.authorize('COMMIT', `${xid},${sha}`) : `${xid},${sha}`;
  // The device answers a repeated COMMIT (same seq) from its cache, so asking again every few
  // seconds while it applies is safe, and a lost answer costs seconds, not the whole timeout.
  const commitTimeout = opts.commitTimeoutMs ?? 60_000;
  const answer = await client.request('COMMIT', commitArgs, Buffer.alloc(0), 4000, Math.ceil(commitTimeout / 4000));
  return { xid, bytes: data.length, resumedFrom, seconds: (Date.now() - started) / 1000, retransmits, answer };
}

export interface PushResult extends Omit<TransferResult, 'answer'> {
  readonly status: 'applied';
  readonly result: Record<string, unknown>;
}

/** Push config.yaml + config.agent; resolves when the device has applied them. */
export async function pushConfig(client: SerialClient, files: { yaml: Buffer; agent: Buffer }, opts: TransferOptions = {}): Promise<PushResult> {
  const archive = packConfigArchive({ 'config.yaml': files.yaml, 'config.agent': files.agent });
  const r = await sendPayload(client, archive, 'config', opts);
  let result: Record<string, unknown> = {};
  try {
    result = JSON.parse(r.answer.payload.toString('utf8')) as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  const errors = Array.isArray(result.errors) ? result.errors.map(String) : [];
  if (r.answer.type !== 'RESULT') throw client.error(`unexpected answer to COMMIT: ${r.answer.type}`);
  if (r.answer.args === 'rejected') throw client.error(`the device rejected the config: ${errors.join('; ') || 'no reason given'}`);
  if (r.answer.args !== 'applied') throw client.error(`the device could not apply the config: ${errors.join('; ') || 'no reason given'}`);
  return { xid: r.xid, bytes: r.bytes, resumedFrom: r.resumedFrom, seconds: r.seconds, retransmits: r.retransmits, status: 'applied', result };
}
