/**
 * Newline-delimited message framing over a byte stream, with a hard cap on line length so a
 * misbehaving peer cannot make the other side buffer without limit.
 */
import type { Readable, Writable } from 'node:stream';
import { MAX_LINE_BYTES } from './protocol.js';

export interface LineHandlers {
  line(text: string): void;
  /** A line exceeded the cap; the stream is no longer read. */
  overflow(): void;
  /** The stream ended or failed (peer gone). */
  end(): void;
}

/** Feed `handlers` with the stream's lines; returns a function that stops listening. */
export function readLines(input: Readable, handlers: LineHandlers, maxBytes = MAX_LINE_BYTES): () => void {
  let buf = '';
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    detach();
    handlers.end();
  };
  const onData = (chunk: Buffer | string): void => {
    if (done) return;
    buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      if (text.trim() !== '') handlers.line(text);
      if (done) return;
    }
    if (Buffer.byteLength(buf) > maxBytes) {
      done = true;
      detach();
      handlers.overflow();
    }
  };
  const detach = (): void => {
    input.off('data', onData);
    input.off('end', finish);
    input.off('close', finish);
    input.off('error', finish);
  };
  input.on('data', onData);
  input.once('end', finish);
  input.once('close', finish);
  input.once('error', finish);
  return () => {
    done = true;
    detach();
  };
}

/** Write one line; resolves when the stream accepted it (or failed: the peer is gone). */
export function writeLine(out: Writable, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (out.destroyed || out.writableEnded) {
      resolve();
      return;
    }
    out.write(text, () => resolve());
  });
}
