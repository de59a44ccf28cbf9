/**
 * The portable xz decoder: `xz-decompress` (XZ Embedded compiled to WASM), for machines without the
 * `xz` tool. WASM decoding runs on the calling thread and stalls it 70-200 ms at a time (measured),
 * so it runs in a worker thread. The worker pulls input and is granted output one ~1 MiB batch at a
 * time, so memory stays bounded both ways. XZ Embedded's error codes tell truncation (XZ_BUF_ERROR)
 * from corruption (XZ_DATA_ERROR).
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { FlashError } from '../errors.js';

// Plain JS so it runs in a worker without a TypeScript loader (under vitest, in dist, in Electron).
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { XzReadableStream } = require(workerData.modulePath);
let onInput = null;
let credit = 0;
let onCredit = null;
parentPort.on('message', (m) => {
  if (m.type === 'pull') {
    credit++;
    if (onCredit) { const f = onCredit; onCredit = null; f(); }
  } else if (onInput) {
    const f = onInput; onInput = null; f(m);
  }
});
const input = new ReadableStream({
  pull(controller) {
    return new Promise((resolve) => {
      onInput = (m) => {
        if (m.type === 'end') controller.close(); else controller.enqueue(new Uint8Array(m.chunk));
        resolve();
      };
      parentPort.postMessage({ type: 'need' });
    });
  },
}, { highWaterMark: 0 });
(async () => {
  const reader = new XzReadableStream(input).getReader();
  for (;;) {
    if (credit === 0) await new Promise((r) => { onCredit = r; });
    const parts = []; let size = 0; let done = false;
    while (size < ${1 << 20}) {
      const r = await reader.read();
      if (r.done) { done = true; break; }
      parts.push(r.value); size += r.value.length;
    }
    if (size > 0) {
      const out = new Uint8Array(size); let o = 0;
      for (const p of parts) { out.set(p, o); o += p.length; }
      credit--;
      parentPort.postMessage({ type: 'out', chunk: out.buffer }, [out.buffer]);
    }
    if (done) { parentPort.postMessage({ type: 'done' }); return; }
  }
})().catch((e) => parentPort.postMessage({ type: 'error', message: String((e && e.message) || e) }));
`;

type FromWorker =
  | { readonly type: 'need' }
  | { readonly type: 'out'; readonly chunk: ArrayBuffer }
  | { readonly type: 'done' }
  | { readonly type: 'error'; readonly message: string };

/** Map XZ Embedded's `error code N` to our codes. */
export function mapXzEmbeddedError(message: string): FlashError {
  const m = /error code (\d+)/.exec(message);
  const code = m === null ? -1 : Number(m[1]);
  const opts = { phase: 'decompress' as const };
  switch (code) {
    case 8:
      return new FlashError('E_TRUNCATED', 'the xz image ends early (truncated download or file?)', opts);
    case 2:
    case 6:
      return new FlashError('E_FORMAT_UNKNOWN', `the xz image uses options the built-in decoder does not support (install the xz tool): ${message}`, opts);
    case 3:
    case 4:
      return new FlashError('E_FORMAT_UNKNOWN', `the xz image needs more memory than the built-in decoder allows (install the xz tool): ${message}`, opts);
    default:
      return new FlashError('E_FORMAT_CORRUPT', `the xz image is corrupt (${message})`, opts);
  }
}

export class XzWasmDecoder extends Readable {
  private readonly worker: Worker;
  private readonly sourceIter: AsyncIterator<unknown>;
  private finished = false;

  public constructor(private readonly input: Readable) {
    super({ highWaterMark: 1 << 20 });
    const modulePath = createRequire(import.meta.url).resolve('xz-decompress');
    this.sourceIter = input[Symbol.asyncIterator]();
    this.worker = new Worker(WORKER_CODE, { eval: true, workerData: { modulePath } });
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.destroy(new FlashError('E_FORMAT_CORRUPT', `xz decoder failed: ${e.message}`, { phase: 'decompress', cause: e })));
  }

  private onMessage(m: FromWorker): void {
    if (this.destroyed) return;
    switch (m.type) {
      case 'need':
        this.sourceIter.next().then(
          (r) => {
            if (this.destroyed) return;
            if (r.done === true) {
              this.worker.postMessage({ type: 'end' });
              return;
            }
            const b = r.value as Buffer;
            const ab = new Uint8Array(b).buffer; // a copy: the source may hand out views of a shared pool
            this.worker.postMessage({ type: 'data', chunk: ab }, [ab]);
          },
          (e: unknown) => this.destroy(e instanceof Error ? e : new Error(String(e))),
        );
        break;
      case 'out':
        this.push(Buffer.from(m.chunk));
        break;
      case 'done':
        this.finished = true;
        this.push(null);
        void this.worker.terminate();
        break;
      case 'error':
        this.destroy(mapXzEmbeddedError(m.message));
        break;
    }
  }

  /** Stop the worker and wait until it is gone. */
  public async shutdown(): Promise<void> {
    this.destroy();
    await this.worker.terminate();
  }

  public override _read(): void {
    this.worker.postMessage({ type: 'pull' });
  }

  public override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (!this.finished) void this.worker.terminate();
    this.input.destroy();
    cb(err);
  }
}
