/**
 * zstd through Node's built-in decoder (zlib.createZstdDecompress, Node >= 22.15 / Electron 45):
 * no dependency and as fast as the best binding (measured 683 MB/s). That decoder stops after the
 * first frame ("Unknown frame descriptor"), so the compressed stream is split at frame boundaries
 * (ZstdFrameScanner) and each frame gets a fresh decoder; skippable frames are dropped. Input that
 * ends inside a frame is E_TRUNCATED.
 */
import { once } from 'node:events';
import { Readable, type Duplex } from 'node:stream';
import * as zlib from 'node:zlib';
import { FlashError, isFlashError } from '../errors.js';
import { ZstdFrameScanner } from './zstd-frames.js';

type ZstdFactory = (opts: { chunkSize: number; params?: Record<number, number> }) => Duplex;

/**
 * The built-in decoder factory, when this Node has one. The window limit is raised to 2^31 (the
 * format's maximum) so images made with `zstd --long=31` decode, as they do with `zstd --long=31`.
 */
export function builtinZstdFactory(): (() => Duplex) | undefined {
  const f = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
  if (typeof f !== 'function') return undefined;
  const windowLogMax = (zlib.constants as unknown as Record<string, number | undefined>).ZSTD_d_windowLogMax;
  const params = windowLogMax === undefined ? undefined : { [windowLogMax]: 31 };
  return () => f({ chunkSize: 1 << 20, params });
}

export function mapZstdError(e: unknown): FlashError {
  if (isFlashError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new FlashError('E_FORMAT_CORRUPT', `the zstd image is corrupt (${msg})`, { phase: 'decompress', cause: e });
}

/**
 * Decode a possibly multi-frame zstd stream with one `newDecoder()` per frame. The factory is a
 * parameter so the splitting can be tested with any per-frame decoder.
 */
export function framedZstdDecoder(input: Readable, newDecoder: () => Duplex): Readable {
  const queue: Duplex[] = [];
  let waiter: (() => void) | undefined;
  let feedDone = false;
  let feedError: FlashError | undefined;
  let current: Duplex | undefined;
  const wake = (): void => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };

  const feed = async (): Promise<void> => {
    const scanner = new ZstdFrameScanner();
    for await (const chunk of input as AsyncIterable<Buffer>) {
      for (const piece of scanner.feed(chunk)) {
        if (piece.kind === 'skip') continue;
        if (current === undefined) {
          current = newDecoder();
          // Errors surface through the output loop (iteration or feedError); never unhandled.
          current.on('error', () => undefined);
          queue.push(current);
          wake();
        }
        if (piece.data.length > 0 && !current.write(piece.data)) await once(current, 'drain');
        if (piece.end) {
          current.end();
          current = undefined;
        }
      }
    }
    if (!scanner.atBoundary()) {
      throw new FlashError('E_TRUNCATED', 'the zstd image ends early, inside a frame (truncated download or file?)', { phase: 'decompress' });
    }
    if (scanner.frames === 0) throw new FlashError('E_FORMAT_CORRUPT', 'the zstd image holds no data frame', { phase: 'decompress' });
  };

  const feeding = feed().then(
    () => {
      feedDone = true;
      wake();
    },
    (e: unknown) => {
      feedError = mapZstdError(e);
      feedDone = true;
      current?.destroy(feedError);
      wake();
    },
  );

  async function* output(): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        const dec = queue.shift();
        if (dec === undefined) {
          if (feedDone) break;
          await new Promise<void>((r) => (waiter = r));
          continue;
        }
        for await (const c of dec as AsyncIterable<Buffer>) yield c;
      }
      await feeding;
      if (feedError !== undefined) throw feedError;
    } catch (e) {
      throw feedError ?? mapZstdError(e);
    } finally {
      for (const d of queue) d.destroy();
      current?.destroy();
      input.destroy();
    }
  }

  const out = Readable.from(output(), { objectMode: false, highWaterMark: 1 << 20 });
  // The generator cannot run its cleanup while it waits on the feeder: tear down from outside too.
  out.once('close', () => {
    for (const d of queue) d.destroy();
    current?.destroy();
    input.destroy();
  });
  return out;
}
