/**
 * Frame transport over any Node Duplex (a serial port, a pty, a test pipe): writes frames as
 * lines, and splits what comes back into our frames, console text, and corrupt frames.
 * Echoed copies of our own frames (same direction letter) are dropped here.
 */
import type { Duplex } from 'node:stream';
import { MAGIC, encodeFrame, parseLine, type Direction, type Frame } from './frame.js';
import { LineSplitter } from './line-splitter.js';

export interface TransportStats {
  framesIn: number;
  framesOut: number;
  echoes: number;
  corrupt: number;
  textLines: number;
}

type FrameListener = (f: Frame) => void;
type TextListener = (line: string) => void;

export class FrameTransport {
  public readonly stats: TransportStats = { framesIn: 0, framesOut: 0, echoes: 0, corrupt: 0, textLines: 0 };
  private readonly splitter = new LineSplitter();
  private readonly frameListeners = new Set<FrameListener>();
  private readonly textListeners = new Set<TextListener>();
  private readonly recent: string[] = [];
  private closedError: Error | undefined;
  private readonly onData = (chunk: Buffer | string): void => this.feed(chunk);
  private readonly onClose = (): void => {
    this.closedError ??= new Error('the serial line was closed');
  };
  private readonly onError = (e: Error): void => {
    this.closedError ??= e;
  };

  public constructor(
    private readonly stream: Duplex,
    private readonly me: Direction = 'H',
  ) {
    stream.on('data', this.onData);
    stream.on('close', this.onClose);
    stream.on('error', this.onError);
  }

  public get peer(): Direction {
    return this.me === 'H' ? 'D' : 'H';
  }

  /** Why the line is unusable, if it is. */
  public get closed(): Error | undefined {
    return this.closedError;
  }

  public onFrame(l: FrameListener): () => void {
    this.frameListeners.add(l);
    return () => this.frameListeners.delete(l);
  }

  public onText(l: TextListener): () => void {
    this.textListeners.add(l);
    return () => this.textListeners.delete(l);
  }

  /** The last console lines heard (for "no answer" messages), the current partial line last. */
  public lastLines(n = 5): string[] {
    const pend = this.splitter.pending();
    const all = pend === '' ? this.recent : [...this.recent, utf8(pend)];
    return all.slice(-n);
  }

  public send(f: Omit<Frame, 'dir'>): Promise<void> {
    const line = `${encodeFrame({ ...f, dir: this.me })}\n`;
    this.stats.framesOut++;
    return this.writeRaw(line);
  }

  public writeRaw(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closedError !== undefined) {
        reject(this.closedError);
        return;
      }
      this.stream.write(data, (e) => (e ? reject(e) : resolve()));
    });
  }

  /** Stop listening (the stream itself belongs to the caller). */
  public detach(): void {
    this.stream.off('data', this.onData);
    this.stream.off('close', this.onClose);
    this.stream.off('error', this.onError);
    this.frameListeners.clear();
    this.textListeners.clear();
  }

  private feed(chunk: Buffer | string): void {
    for (const raw of this.splitter.push(chunk)) {
      const p = parseLine(raw);
      if (p.kind === 'frame') {
        if (p.frame.dir === this.me) {
          this.stats.echoes++;
          continue;
        }
        this.stats.framesIn++;
        for (const l of [...this.frameListeners]) l(p.frame);
      } else {
        // A corrupt frame is not shown, but a log line that ran into it is.
        if (p.kind === 'bad') this.stats.corrupt++;
        else this.stats.textLines++;
        const text = utf8(p.kind === 'bad' ? p.line.slice(0, p.line.lastIndexOf(MAGIC)) : p.line);
        if (p.kind === 'bad' && text === '') continue;
        this.recent.push(text);
        if (this.recent.length > 20) this.recent.shift();
        for (const l of [...this.textListeners]) l(text);
      }
    }
  }
}

function utf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}
