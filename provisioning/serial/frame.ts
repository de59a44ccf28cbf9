/**
 * Frames of the 3os serial protocol v1 (docs/serial-protocol.md): one text line each,
 *   @3OS1 <dir> <seq> <TYPE> <args> <payload> <crc32>
 * so that they survive an echoing console and kernel log lines on the same UART. Pure code:
 * no I/O, unit-tested against noise, partial lines, echoes and flipped bytes.
 */
import { crc32 } from 'node:zlib';

export const PROTOCOL_VERSION = 1;
export const MAGIC = '@3OS';
export const FRAME_PREFIX = `${MAGIC}${PROTOCOL_VERSION} `;

/** H = host to device, D = device to host (an echoed copy of our own frame has our letter). */
export type Direction = 'H' | 'D';

export interface Frame {
  readonly dir: Direction;
  readonly seq: number;
  readonly type: string;
  /** Comma-separated tokens without spaces; '' when none (sent as '-'). */
  readonly args: string;
  readonly payload: Buffer;
}

export type ParsedLine =
  | { readonly kind: 'text'; readonly line: string }
  | { readonly kind: 'frame'; readonly frame: Frame }
  | { readonly kind: 'bad'; readonly line: string; readonly reason: string };

const ARGS_RE = /^[A-Za-z0-9._:=+/,-]+$/;
const TYPE_RE = /^[A-Z]{2,12}$/;
const B64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

export function crc32Hex(text: string): string {
  return crc32(Buffer.from(text, 'latin1')).toString(16).padStart(8, '0');
}

export function encodeFrame(f: Frame): string {
  if (!TYPE_RE.test(f.type)) throw new Error(`bad frame type ${f.type}`);
  if (f.args !== '' && !ARGS_RE.test(f.args)) throw new Error(`bad frame args ${f.args}`);
  if (!Number.isSafeInteger(f.seq) || f.seq < 0) throw new Error(`bad frame seq ${f.seq}`);
  const body = `${FRAME_PREFIX}${f.dir} ${f.seq} ${f.type} ${f.args === '' ? '-' : f.args} ${
    f.payload.length === 0 ? '-' : f.payload.toString('base64')
  }`;
  return `${body} ${crc32Hex(body)}`;
}

/**
 * Classify one received line (without its line ending). The frame may follow noise on the same
 * line (a log line that lost its newline); the last magic on the line starts the frame.
 */
export function parseLine(raw: string): ParsedLine {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const at = line.lastIndexOf(MAGIC);
  if (at < 0) return { kind: 'text', line };
  const text = line.slice(at);
  const bad = (reason: string): ParsedLine => ({ kind: 'bad', line, reason });
  const lastSpace = text.lastIndexOf(' ');
  if (lastSpace < 0) return bad('no checksum');
  const body = text.slice(0, lastSpace);
  if (crc32Hex(body) !== text.slice(lastSpace + 1)) return bad('checksum mismatch');
  const parts = body.split(' ');
  if (parts.length !== 6) return bad('wrong number of fields');
  const [magic, dir, seq, type, args, payload] = parts as [string, string, string, string, string, string];
  if (magic !== `${MAGIC}${PROTOCOL_VERSION}`) return bad(`unsupported protocol version ${magic.slice(MAGIC.length)}`);
  if (dir !== 'H' && dir !== 'D') return bad('bad direction');
  if (!/^\d{1,15}$/.test(seq)) return bad('bad sequence number');
  if (!TYPE_RE.test(type)) return bad('bad type');
  if (args !== '-' && !ARGS_RE.test(args)) return bad('bad args');
  if (payload !== '-' && (!B64_RE.test(payload) || payload.length % 4 !== 0)) return bad('bad payload');
  return {
    kind: 'frame',
    frame: {
      dir,
      seq: Number(seq),
      type,
      args: args === '-' ? '' : args,
      payload: payload === '-' ? Buffer.alloc(0) : Buffer.from(payload, 'base64'),
    },
  };
}

/** Parse "key=value" lines (the HELLO and SLOT payloads). */
export function parseKeyValues(payload: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of payload.toString('utf8').split('\n')) {
    const i = l.indexOf('=');
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}
