/**
 * Hashing on another core: the SHA-256 of the decoded image and the XXH64 of every 64 KiB piece
 * that is written (for read-back verification). The chunk slab is a SharedArrayBuffer, so the
 * worker hashes chunks in place, without copying; each chunk is held until the worker has
 * hashed it. The main thread is left to read, decode and fan out.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PIECE } from './written-map.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const mem = Buffer.from(workerData.sab);
const PIECE = workerData.piece;
let h = workerData.sha ? createHash('sha256') : undefined;
const ready = import(workerData.xxhashUrl).then((m) => m.default());
let chain = Promise.resolve();
parentPort.on('message', (m) => {
  chain = chain.then(async () => {
    if (m.op === 'digest') { parentPort.postMessage({ op: 'digest', hex: h ? h.digest('hex') : undefined }); return; }
    const x = await ready;
    if (h && m.len > 0) h.update(mem.subarray(m.slab, m.slab + m.len));
    const starts = []; const lens = []; const hashes = [];
    for (const [s, e] of m.ranges) {
      let pos = s;
      while (pos < e) {
        const len = Math.min(PIECE - (pos % PIECE), e - pos);
        const at = m.slab + (pos - m.offset);
        starts.push(pos); lens.push(len); hashes.push(x.h64Raw(mem.subarray(at, at + len)));
        pos += len;
      }
    }
    parentPort.postMessage({ op: 'done', id: m.id, starts, lens, hashes });
  });
});
`;

type Msg =
  | { op: 'done'; id: number; starts: number[]; lens: number[]; hashes: bigint[] }
  | { op: 'digest'; hex: string | undefined };

export interface PieceHashes {
  readonly starts: readonly number[];
  readonly lens: readonly number[];
  readonly hashes: readonly bigint[];
}

export class HashWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (p: PieceHashes) => void>();
  private nextId = 0;
  private digestWaiter: ((hex: string | undefined) => void) | undefined;
  private failed: Error | undefined;

  /** `sha`: also keep a SHA-256 of every byte given to `update`. */
  public constructor(sab: SharedArrayBuffer, sha: boolean) {
    const xxhashUrl = pathToFileURL(createRequire(import.meta.url).resolve('xxhash-wasm')).href;
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sab, sha, xxhashUrl, piece: PIECE } });
    this.worker.on('message', (m: Msg) => {
      if (m.op === 'done') {
        this.pending.get(m.id)?.(m);
        this.pending.delete(m.id);
      } else this.digestWaiter?.(m.hex);
    });
    this.worker.on('error', (e) => {
      this.failed = e;
      this.digestWaiter?.(undefined);
    });
  }

  /**
   * Hash `len` bytes at `slab` (image offset `offset`) into the SHA-256, and XXH64 each 64 KiB
   * piece of the image ranges [start, end) given; `onDone` gets the pieces once hashed.
   */
  public update(slab: number, offset: number, len: number, ranges: readonly (readonly [number, number])[], onDone: (p: PieceHashes) => void): void {
    this.throwIfFailed();
    const id = this.nextId++;
    this.pending.set(id, onDone);
    this.worker.postMessage({ op: 'update', id, slab, offset, len, ranges });
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
