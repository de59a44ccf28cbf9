import { describe, it, expect } from 'vitest';
import { PassThrough } from 'node:stream';
import { crc32Hex, encodeFrame, parseLine, parseKeyValues, type Frame } from '../../../../provisioning/serial/frame.js';
import { LineSplitter } from '../../../../provisioning/serial/line-splitter.js';
import { FrameTransport } from '../../../../provisioning/serial/transport.js';
import { packConfigArchive, unpackConfigArchive } from '../../../../provisioning/serial/archive.js';
import { ConsoleFilter } from '../../../../provisioning/serial/console.js';

const f: Frame = { dir: 'D', seq: 42, type: 'ACK', args: '0123456789abcdef,2048', payload: Buffer.from('hello\n\u00e9') };

describe('frames', () => {
  it('CRC-32 is the IEEE/zlib one (check value of "123456789")', () => {
    expect(crc32Hex('123456789')).toBe('cbf43926');
  });

  it('round-trips and has the documented layout', () => {
    const line = encodeFrame(f);
    expect(line).toMatch(/^@3OS1 D 42 ACK 0123456789abcdef,2048 [A-Za-z0-9+/=]+ [0-9a-f]{8}$/);
    const p = parseLine(line);
    expect(p.kind).toBe('frame');
    if (p.kind === 'frame') expect(p.frame).toEqual(f);
    expect(encodeFrame({ dir: 'H', seq: 1, type: 'HELLO', args: '', payload: Buffer.alloc(0) })).toMatch(/^@3OS1 H 1 HELLO - - [0-9a-f]{8}$/);
  });

  it('treats lines without the magic as console text', () => {
    expect(parseLine('[    1.234] usb 1-1: new device')).toEqual({ kind: 'text', line: '[    1.234] usb 1-1: new device' });
  });

  it('finds a frame after noise on the same line, and strips CR', () => {
    const p = parseLine(`edge login: ${encodeFrame(f)}\r`);
    expect(p.kind).toBe('frame');
  });

  it('rejects every single flipped byte', () => {
    const line = encodeFrame(f);
    for (let i = 0; i < line.length; i++) {
      const b = Buffer.from(line);
      b[i] = (b[i] ?? 0) ^ 0x01;
      const p = parseLine(b.toString('latin1'));
      expect(p.kind === 'frame' && p.frame.seq === f.seq && p.frame.payload.equals(f.payload) && p.frame.args === f.args && p.frame.type === f.type && p.frame.dir === f.dir).toBe(false);
    }
  });

  it('rejects a frame cut by a log line and an unknown version', () => {
    const line = encodeFrame(f);
    const cut = `${line.slice(0, 20)}[ 3.2] eth0: link up`;
    expect(parseLine(cut).kind).toBe('bad');
    const v2 = line.replace('@3OS1', '@3OS2');
    const body = v2.slice(0, v2.lastIndexOf(' '));
    expect(parseLine(`${body} ${crc32Hex(body)}`)).toMatchObject({ kind: 'bad', reason: 'unsupported protocol version 2' });
  });

  it('parses key=value payloads', () => {
    expect(parseKeyValues(Buffer.from('a=1\nsalt=\nx=y=z\n'))).toEqual({ a: '1', salt: '', x: 'y=z' });
  });
});

describe('LineSplitter', () => {
  it('keeps partial lines across chunks and handles CRLF', () => {
    const s = new LineSplitter();
    expect(s.push('abc')).toEqual([]);
    expect(s.push('def\r\ngh')).toEqual(['abcdef']);
    expect(s.pending()).toBe('gh');
    expect(s.push('\n\n')).toEqual(['gh', '']);
  });
  it('drops a runaway line', () => {
    const s = new LineSplitter(10);
    expect(s.push('x'.repeat(20))).toEqual([]);
    expect(s.push('ok\n')).toEqual(['ok']);
  });
});

describe('FrameTransport', () => {
  it('ignores echoes of its own frames, reports text and corrupt frames, reassembles split frames', () => {
    const wire = new PassThrough();
    const t = new FrameTransport(wire, 'H');
    const frames: Frame[] = [];
    const text: string[] = [];
    t.onFrame((x) => frames.push(x));
    t.onText((x) => text.push(x));
    const mine = encodeFrame({ ...f, dir: 'H' });
    const theirs = encodeFrame(f);
    const bad = `${theirs.slice(0, -1)}${theirs.endsWith('0') ? '1' : '0'}`;
    const all = `${mine}\n[ 5.0] kernel: hello\n${bad}\n${theirs}\n`;
    for (let i = 0; i < all.length; i += 7) wire.write(all.slice(i, i + 7));
    expect(frames).toEqual([f]);
    expect(text).toEqual(['[ 5.0] kernel: hello']);
    expect(t.stats).toMatchObject({ echoes: 1, corrupt: 1, framesIn: 1, textLines: 1 });
    expect(t.lastLines()).toEqual(['[ 5.0] kernel: hello']);
  });
});

describe('config archive', () => {
  it('round-trips and refuses garbage', () => {
    const files = { 'config.yaml': Buffer.from('version: 1\n'), 'config.agent': Buffer.from('# 3os-agent-config v1\ndigest=00\n') };
    const a = packConfigArchive(files);
    expect(a.toString('latin1')).toBe('3OSCFG1\nconfig.yaml 11\nversion: 1\nconfig.agent 32\n# 3os-agent-config v1\ndigest=00\n');
    expect(unpackConfigArchive(a)).toEqual(files);
    expect(unpackConfigArchive(a.subarray(0, a.length - 1))).toBeUndefined();
    expect(unpackConfigArchive(Buffer.from('3OSCFG1\n../etc/passwd 1\nx'))).toBeUndefined();
  });
});

describe('ConsoleFilter', () => {
  it('shows console text at once and hides frames', () => {
    const c = new ConsoleFilter();
    const frame = encodeFrame(f);
    expect(c.push('edge login: ')).toBe('edge login: ');
    expect(c.push('\r\n@3O')).toBe('\r\n');
    expect(c.push(`${frame.slice(3)}\n[ 1.0] x\n@`)).toBe('[ 1.0] x\n');
    expect(c.push('home\n')).toBe('@home\n');
  });
});
