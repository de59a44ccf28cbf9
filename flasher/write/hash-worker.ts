/**
 * The SHA-256 of the decoded image on another core. The chunk slab is a SharedArrayBuffer, so the
 * worker hashes chunks in place, without copying; each chunk is held until the worker has hashed
 * it. The per-piece XXH64 for read-back (written-map.ts) is taken on the main thread, which is
 * mostly idle: one hash per core instead of both on the worker (docs/engine.md "Speed").
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const mem = Buffer.from(workerData.sab);
const h = createHash('sha256');
parentPort.on('message', (m) => {
  if (m.op === 'digest') { parentPort.postMessage({ op: 'digest', hex: h.digest('hex') }); return; }
  if (m.len > 0) h.update(mem.subarray(m.slab, m.slab + m.len));
  parentPort.postMessage({ op: 'done', id: m.id });
});
`;

type Msg = { op: 'done'; id: number } | { op: 'digest'; hex: string | undefined };

export class HashWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, () => void>();
  private nextId = 0;
  private digestWaiter: ((hex: string | undefined) => void) | undefined;
  private failed: Error | undefined;

  public constructor(sab: SharedArrayBuffer) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sab } });
    this.worker.on('message', (m: Msg) => {
      if (m.op === 'done') {
        this.pending.get(m.id)?.();
        this.pending.delete(m.id);
      } else this.digestWaiter?.(m.hex);
    });
    this.worker.on('error', (e) => {
      this.failed = e;
      this.digestWaiter?.(undefined);
    });
  }

  /** Hash `len` bytes at `slab` into the SHA-256; `onDone` runs once they are hashed. */
  public update(slab: number, len: number, onDone: () => void): void {
    this.throwIfFailed();
    const id = this.nextId++;
    this.pending.set(id, onDone);
    this.worker.postMessage({ op: 'update', id, slab, len });
  }

  /** SHA-256 (hex) of everything hashed, after every update before it is done. */
  public async digest(): Promise<string | undefined> {
    this.throwIfFailed();
    const hex = await new Promise<string | undefined>((resolve) => {
      this.digestWaiter = resolve;
      this.worker.postMessage({ op: 'digest' });
    });
    this.throwIfFailed();
    return hex;
  }

  private throwIfFailed(): void {
    if (this.failed !== undefined) throw this.failed;
  }

  public async close(): Promise<void> {
    await this.worker.terminate();
  }
}
