/**
 * The host end of the 3os serial protocol: request/response with retries over a
 * FrameTransport, the wake sequence, and the typed commands (hello, status, logs, slot,
 * reboot, push). Expected failures are FlashError E_SERIAL with a one-line message.
 */
import { FlashError } from '../../flasher/errors.js';
import { authMac, deriveSerialKey, withAuth } from './auth.js';
import { parseKeyValues, type Frame } from './frame.js';
import type { FrameTransport } from './transport.js';

export interface DeviceInfo {
  readonly proto: number;
  readonly agent: string;
  readonly model: string;
  readonly serial: string;
  readonly flavor: string;
  readonly version: string;
  readonly arch: string;
  readonly activeSlot: string;
  readonly defaultSlot: string;
  readonly platform: string;
  readonly provisioned: boolean;
  readonly locked: boolean;
  readonly salt: string;
  readonly maxTransfer: number;
}

export interface SlotInfo {
  readonly platform: string;
  readonly active: string;
  readonly default: string;
  readonly a: string;
  readonly b: string;
  /** Raspberry Pi: the slot tryboot.txt selects ('' when there is none, 'invalid'). */
  readonly trial?: string | undefined;
}

export interface ClientOptions {
  /** Port name for messages. */
  readonly port?: string;
  /** Line speed, used to size timeouts. */
  readonly baud?: number;
  /** Serial key passphrase (for a locked device). */
  readonly key?: string;
  /** How long the wake sequence may take (ms). */
  readonly wakeMs?: number;
  /** Per-request timeout (ms) before a retry, and retries. */
  readonly timeoutMs?: number;
  readonly retries?: number;
}

export class SerialClient {
  public info: DeviceInfo | undefined;
  private seq: number;
  private derivedKey: string | undefined;
  public readonly baud: number;
  private readonly portName: string;

  public constructor(
    public readonly transport: FrameTransport,
    private readonly opts: ClientOptions = {},
  ) {
    // A fresh random start, so a retried request of an earlier session is never mistaken for ours.
    this.seq = 1 + Math.floor(Math.random() * 1e9);
    this.baud = opts.baud ?? 115200;
    this.portName = opts.port ?? 'the serial line';
  }

  public nextSeq(): number {
    return this.seq++;
  }

  public error(message: string, cause?: unknown): FlashError {
    return new FlashError('E_SERIAL', message, { target: this.opts.port, phase: 'serial', cause });
  }

  /** Wait for the first frame (from the device) that `match` accepts. */
  public waitFor(match: (f: Frame) => boolean, timeoutMs: number): Promise<Frame | undefined> {
    return new Promise((resolve) => {
      const done = (f: Frame | undefined): void => {
        clearTimeout(timer);
        off();
        resolve(f);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const off = this.transport.onFrame((f) => {
        if (match(f)) done(f);
      });
    });
  }

  private noAnswer(what: string): FlashError {
    const heard = this.transport.lastLines(5).filter((l) => l.trim() !== '');
    const tail = heard.length === 0 ? 'nothing was heard on the line' : `last lines heard: ${heard.map((l) => JSON.stringify(l)).join(' | ')}`;
    return this.error(`no answer from the 3os agent on ${this.portName} (${what}); ${tail}`);
  }

  /** Send one request and wait for its answer (same seq), retrying on timeout. */
  public async request(type: string, args = '', payload: Buffer = Buffer.alloc(0), timeoutMs?: number, retryCount?: number): Promise<Frame> {
    const seq = this.nextSeq();
    const timeout = timeoutMs ?? this.opts.timeoutMs ?? 2500;
    const retries = retryCount ?? this.opts.retries ?? 4;
    for (let attempt = 0; attempt <= retries; attempt++) {
      const answer = this.waitFor((f) => f.seq === seq, timeout);
      await this.send(type, args, payload, seq);
      const f = await answer;
      if (f !== undefined) {
        if (f.type === 'ERR') throw this.deviceError(type, f);
        return f;
      }
    }
    throw this.noAnswer(`${type} unanswered after ${retries + 1} tries`);
  }

  public async send(type: string, args: string, payload: Buffer, seq: number): Promise<void> {
    try {
      await this.transport.send({ seq, type, args, payload });
    } catch (e) {
      throw this.error(`cannot write to ${this.portName}: ${e instanceof Error ? e.message : String(e)}`, e);
    }
  }

  private deviceError(type: string, f: Frame): FlashError {
    const msg = f.payload.toString('utf8');
    if (f.args === 'auth') {
      if (/wrong key/.test(msg)) return this.error(`wrong key: the device refused ${type} (${msg})`);
      return this.error(`the device is locked: ${msg}; pass --key`);
    }
    return this.error(`the device refused ${type}: ${msg || f.args}`);
  }

  /**
   * The wake sequence: send HELLO every 500 ms until a HELLO answers (an agent that has just
   * started announces itself with one too), for up to wakeMs.
   */
  public async hello(): Promise<DeviceInfo> {
    const wakeMs = this.opts.wakeMs ?? 10_000;
    const deadline = Date.now() + wakeMs;
    while (Date.now() < deadline) {
      const answer = this.waitFor((f) => f.type === 'HELLO', Math.min(500, Math.max(1, deadline - Date.now())));
      await this.send('HELLO', '', Buffer.alloc(0), this.nextSeq());
      const f = await answer;
      if (f !== undefined) {
        this.info = parseHello(f.payload);
        return this.info;
      }
    }
    throw this.noAnswer(`no HELLO within ${wakeMs / 1000} s`);
  }

  private async ensureInfo(): Promise<DeviceInfo> {
    return this.info ?? (await this.hello());
  }

  /** args signed for a locked device (NONCE round trip), unchanged otherwise. */
  public async authorize(type: string, args: string): Promise<string> {
    const info = await this.ensureInfo();
    if (!info.locked) return args;
    if (this.opts.key === undefined) throw this.error('the device is locked: pass --key with the serial key');
    try {
      this.derivedKey ??= await deriveSerialKey(this.opts.key, info.salt);
    } catch (e) {
      throw this.error(`the device reports an unusable key salt (${info.salt})`, e);
    }
    const nonce = (await this.request('NONCE')).args;
    return withAuth(args, authMac(this.derivedKey, nonce, type, args));
  }

  /** result.json of the last apply, or undefined when the device has none yet. */
  public async status(): Promise<unknown> {
    const f = await this.request('STATUS');
    if (f.args === 'none') return undefined;
    try {
      return JSON.parse(f.payload.toString('utf8')) as unknown;
    } catch {
      throw this.error('the device sent a result.json that is not JSON');
    }
  }

  public async logs(lines = 100): Promise<string> {
    return (await this.request('LOGS', String(lines), Buffer.alloc(0), 10_000)).payload.toString('utf8');
  }

  public async slotShow(): Promise<SlotInfo> {
    return parseSlot((await this.request('SLOT', 'show')).payload);
  }

  public async slotSet(slot: 'a' | 'b'): Promise<SlotInfo> {
    return parseSlot((await this.request('SLOT', await this.authorize('SLOT', `set,${slot}`))).payload);
  }

  /**
   * Raspberry Pi: a trial boot of SLOT. The device writes tryboot.txt, answers, and reboots with
   * the firmware's one-shot tryboot flag; a healthy SLOT commits itself, a failed one falls back.
   */
  public async slotTry(slot: 'a' | 'b'): Promise<SlotInfo> {
    return parseSlot((await this.request('SLOT', await this.authorize('SLOT', `try,${slot}`))).payload);
  }

  public async slotGood(): Promise<SlotInfo> {
    return parseSlot((await this.request('SLOT', await this.authorize('SLOT', 'good'))).payload);
  }

  public async reboot(): Promise<void> {
    await this.request('REBOOT', await this.authorize('REBOOT', ''));
  }
}

function parseHello(payload: Buffer): DeviceInfo {
  const kv = parseKeyValues(payload);
  const s = (k: string): string => kv[k] ?? '';
  return {
    proto: Number(s('proto')),
    agent: s('agent'),
    model: s('model'),
    serial: s('serial'),
    flavor: s('flavor'),
    version: s('version'),
    arch: s('arch'),
    activeSlot: s('slot'),
    defaultSlot: s('default_slot'),
    platform: s('platform'),
    provisioned: s('provisioned') === '1',
    locked: s('locked') === '1',
    salt: s('salt'),
    maxTransfer: Number(s('max_size')) || 0,
  };
}

function parseSlot(payload: Buffer): SlotInfo {
  const kv = parseKeyValues(payload);
  return { platform: kv.platform ?? '', active: kv.active ?? '', default: kv.default ?? '', a: kv.a ?? '', b: kv.b ?? '', ...(kv.trial === undefined ? {} : { trial: kv.trial }) };
}
