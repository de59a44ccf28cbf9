/**
 * `3os-flash serial ...`: talk to the 3os agent on a device's serial console (list ports,
 * hello, status, logs, push a config, slot show/switch/mark good, reboot, raw console).
 * The protocol lives in provisioning/serial; this file is argument parsing and output only.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { FlashError } from '../../../flasher/errors.js';
import { renderConfig } from '../../../provisioning/config/render.js';
import { ConsoleFilter } from '../../../provisioning/serial/console.js';
import { SerialClient, type SlotInfo } from '../../../provisioning/serial/client.js';
import { listSerialPorts } from '../../../provisioning/serial/list.js';
import { openSerialPort, type OpenPort } from '../../../provisioning/serial/port.js';
import { pushConfig } from '../../../provisioning/serial/transfer.js';
import { FrameTransport } from '../../../provisioning/serial/transport.js';
import { usageError, type CliIO, type Command } from '../io.js';

const USAGE = `Usage:
  3os-flash serial list [--json]
  3os-flash serial hello|status|logs|reboot --port PORT [options]
  3os-flash serial push CONFIG --port PORT [options]
  3os-flash serial slot [a|b|good] [--try] --port PORT [options]
  3os-flash serial console --port PORT [--baud N]

CONFIG is a 3os config (YAML/JSON, rendered here), a directory holding config.yaml and
config.agent (or 3os/ with them), or the two files: push config.yaml config.agent.

Options:
  --port PORT      serial device (/dev/ttyUSB0, /dev/ttyACM0, COM3, a pty)
  --baud N         line speed (default 115200, 8N1)
  --rtscts         hardware flow control
  --key KEY        serial key of a locked device (or env THREEOS_SERIAL_KEY)
  --lines N        logs: how many lines (default 100)
  --try            slot a|b on a Raspberry Pi: a trial boot (tryboot.txt + reboot with the
                   firmware's tryboot flag); the slot commits itself once healthy
  --wait SECONDS   how long to wake the agent (default 10)
  --json           JSON lines on stdout`;

interface Opts {
  port?: string;
  baud: number;
  rtscts: boolean;
  key?: string;
  json: boolean;
  lines: number;
  wait: number;
  try: boolean;
}

export const serialCommand: Command = {
  name: 'serial',
  summary: 'Provision or recover a device over its serial console',
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: {
          port: { type: 'string' },
          baud: { type: 'string' },
          rtscts: { type: 'boolean' },
          key: { type: 'string' },
          json: { type: 'boolean' },
          lines: { type: 'string' },
          wait: { type: 'string' },
          try: { type: 'boolean' },
        },
      });
    } catch (e) {
      throw usageError(e instanceof Error ? e.message : String(e));
    }
    const v = parsed.values;
    const num = (s: string | undefined, d: number, what: string): number => {
      if (s === undefined) return d;
      const n = Number(s);
      if (!Number.isFinite(n) || n <= 0) throw usageError(`--${what} must be a positive number`);
      return n;
    };
    const o: Opts = {
      port: v.port,
      baud: num(v.baud, 115200, 'baud'),
      rtscts: v.rtscts ?? false,
      key: v.key ?? io.env.THREEOS_SERIAL_KEY,
      json: v.json ?? false,
      lines: num(v.lines, 100, 'lines'),
      wait: num(v.wait, 10, 'wait'),
      try: v.try ?? false,
    };
    const [verb, ...rest] = parsed.positionals;
    if (verb === 'list') return list(io, o.json);
    if (verb === undefined) throw usageError(`serial: which action? ${USAGE}`);
    if (!['hello', 'status', 'logs', 'push', 'slot', 'reboot', 'console'].includes(verb)) throw usageError(`serial: unknown action "${verb}"`);
    if (o.port === undefined) throw usageError(`serial ${verb}: --port is required`);
    const port = await openSerialPort(o.port, { baud: o.baud, rtscts: o.rtscts });
    try {
      if (verb === 'console') return await consoleMode(port, io);
      const client = new SerialClient(new FrameTransport(port.stream), { port: o.port, baud: o.baud, key: o.key, wakeMs: o.wait * 1000 });
      return await action(verb, rest, client, o, io);
    } finally {
      await port.close();
    }
  },
};

function emit(io: CliIO, o: Opts, kind: string, data: unknown, human: string): void {
  if (o.json) io.out.write(`${JSON.stringify({ kind, ...(typeof data === 'object' && data !== null ? data : { value: data }) })}\n`);
  else io.out.write(human.endsWith('\n') ? human : `${human}\n`);
}

async function action(verb: string, rest: string[], client: SerialClient, o: Opts, io: CliIO): Promise<number> {
  const info = await client.hello();
  switch (verb) {
    case 'hello': {
      const human = [
        `device:      ${info.model || '?'} (serial ${info.serial || '?'})`,
        `image:       ${info.flavor || '?'} ${info.version || '?'} ${info.arch}`,
        `slot:        ${info.activeSlot} (default ${info.defaultSlot}, ${info.platform})`,
        `provisioned: ${info.provisioned ? 'yes' : 'no'}${info.locked ? ', locked (serial key needed)' : ''}`,
        `agent:       ${info.agent}, protocol ${info.proto}`,
      ].join('\n');
      emit(io, o, 'hello', info, human);
      return 0;
    }
    case 'status': {
      const r = await client.status();
      emit(io, o, 'status', { result: r ?? null }, r === undefined ? 'no result.json yet (the device has not applied a config)' : JSON.stringify(r, null, 2));
      return 0;
    }
    case 'logs': {
      const text = await client.logs(o.lines);
      if (o.json) emit(io, o, 'logs', { text }, text);
      else io.out.write(text);
      return 0;
    }
    case 'slot': {
      const what = rest[0];
      if (o.try && what !== 'a' && what !== 'b') throw usageError('serial slot --try: which slot, a or b?');
      const set = (w: 'a' | 'b'): Promise<SlotInfo> => (o.try ? client.slotTry(w) : client.slotSet(w));
      const s = what === undefined ? await client.slotShow() : what === 'a' || what === 'b' ? await set(what) : what === 'good' ? await client.slotGood() : undefined;
      if (s === undefined) throw usageError('serial slot: expected a, b or good');
      const trial = s.trial === undefined || s.trial === '' ? '' : `; tryboot.txt: ${s.trial}`;
      emit(io, o, 'slot', s, `platform ${s.platform}: running ${s.active}, next boot ${s.default}; a: ${s.a}, b: ${s.b}${trial}${o.try ? `\nthe device is rebooting with the tryboot flag into slot ${what ?? '?'}` : ''}`);
      return 0;
    }
    case 'reboot':
      await client.reboot();
      emit(io, o, 'reboot', { ok: true }, 'the device is rebooting');
      return 0;
    case 'push': {
      const files = loadConfig(rest);
      const r = await pushConfig(client, files, {
        onProgress: (sent, total) => {
          if (o.json) io.out.write(`${JSON.stringify({ kind: 'progress', sent, total })}\n`);
          else if (io.err.isTTY) io.err.write(`\rsent ${sent} of ${total} bytes`);
        },
      });
      if (!o.json && io.err.isTTY) io.err.write('\n');
      emit(io, o, 'push', r, `applied (${r.bytes} bytes in ${r.seconds.toFixed(1)} s${r.resumedFrom > 0 ? `, resumed at ${r.resumedFrom}` : ''})`);
      return 0;
    }
    default:
      throw usageError(`serial: unknown action "${verb}"`);
  }
}

/** CONFIG -> the two files of the config partition. */
export function loadConfig(paths: string[]): { yaml: Buffer; agent: Buffer } {
  const [a, b] = paths;
  if (a === undefined) throw usageError('serial push: which config? (a config file, a directory, or config.yaml config.agent)');
  const read = (p: string): Buffer => {
    try {
      return readFileSync(p);
    } catch (e) {
      throw new FlashError('E_CONFIG_INVALID', `cannot read ${p}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  if (b !== undefined) {
    const [yamlPath, agentPath] = basename(a) === 'config.agent' ? [b, a] : [a, b];
    return { yaml: read(yamlPath), agent: read(agentPath) };
  }
  if (existsSync(a) && statSync(a).isDirectory()) {
    for (const d of [a, join(a, '3os')]) {
      if (existsSync(join(d, 'config.yaml')) && existsSync(join(d, 'config.agent'))) return { yaml: read(join(d, 'config.yaml')), agent: read(join(d, 'config.agent')) };
    }
    throw new FlashError('E_CONFIG_INVALID', `${a} holds no config.yaml + config.agent (nor 3os/ with them)`);
  }
  if (basename(a) === 'config.agent') return { yaml: read(join(dirname(a), 'config.yaml')), agent: read(a) };
  // A user's config: render it exactly as a flashed card would get it.
  const r = renderConfig(read(a).toString('utf8'), { what: a });
  return { yaml: Buffer.from(r.configYaml, 'utf8'), agent: Buffer.from(r.agentForm, 'utf8') };
}

async function list(io: CliIO, json: boolean): Promise<number> {
  const ports = await listSerialPorts();
  if (json) {
    for (const p of ports) io.out.write(`${JSON.stringify({ kind: 'port', ...p })}\n`);
    return 0;
  }
  if (ports.length === 0) io.out.write('no serial ports found\n');
  for (const p of ports) {
    const usb = p.vendorId ? ` usb ${p.vendorId}:${p.productId ?? '?'}${p.serialNumber ? ` serial ${p.serialNumber}` : ''}` : '';
    const name = [p.manufacturer, p.product].filter(Boolean).join(' ');
    io.out.write(`${p.path}${usb}${name ? ` (${name})` : ''}\n`);
  }
  return 0;
}

/** Raw console: keys go to the device, device output comes back with frames hidden. Ctrl-] quits. */
async function consoleMode(port: OpenPort, io: CliIO): Promise<number> {
  const filter = new ConsoleFilter();
  const stdin = io.stdin as NodeJS.ReadableStream & { setRawMode?: (raw: boolean) => void };
  if (io.stdin.isTTY === true) stdin.setRawMode?.(true);
  if (io.err.isTTY) io.err.write('3os-flash: console open (Ctrl-] to quit)\r\n');
  const onPort = (c: Buffer): void => {
    const s = filter.push(c.toString('latin1'));
    if (s !== '') io.out.write(Buffer.from(s, 'latin1'));
  };
  port.stream.on('data', onPort);
  try {
    await new Promise<void>((resolve) => {
      const onKey = (c: Buffer | string): void => {
        const b = typeof c === 'string' ? Buffer.from(c) : c;
        const quit = b.indexOf(0x1d);
        if (quit >= 0) {
          if (quit > 0) port.stream.write(b.subarray(0, quit));
          done();
          return;
        }
        port.stream.write(b);
      };
      const done = (): void => {
        stdin.off('data', onKey);
        stdin.off('end', done);
        port.stream.off('close', done);
        resolve();
      };
      stdin.on('data', onKey);
      stdin.on('end', done);
      port.stream.on('close', done);
    });
  } finally {
    port.stream.off('data', onPort);
    if (io.stdin.isTTY === true) stdin.setRawMode?.(false);
  }
  return 0;
}
