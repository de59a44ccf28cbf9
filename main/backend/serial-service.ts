/**
 * The serial page's backend: one open port per session (owned by the window that opened it),
 * the typed agent commands (hello, status, logs, slot, reboot, push config) through the serial
 * client, and the raw console: everything the device prints, frames hidden, goes to the window
 * as `serial` events; keys typed in the window are written to the line.
 */
import { randomBytes } from 'node:crypto';
import { FlashError } from '../../flasher/errors.js';
import { renderConfig } from '../../provisioning/config/render.js';
import { SerialClient } from '../../provisioning/serial/client.js';
import { ConsoleFilter } from '../../provisioning/serial/console.js';
import { listSerialPorts } from '../../provisioning/serial/list.js';
import { openSerialPort, type OpenPort } from '../../provisioning/serial/port.js';
import { pushConfig } from '../../provisioning/serial/transfer.js';
import { FrameTransport } from '../../provisioning/serial/transport.js';
import type { ClientContext, ValidRequests } from '../ipc/contract.js';
import type { SerialAnswer, SerialPortView, SerialPushView } from '../ipc/contract-types.js';

interface Session {
  readonly path: string;
  readonly port: OpenPort;
  readonly client: SerialClient;
  readonly owner: string;
}

export class SerialService {
  private readonly sessions = new Map<string, Session>();

  public async ports(): Promise<SerialPortView[]> {
    const ports = await listSerialPorts();
    return ports.map((p) => ({
      path: p.path,
      description: [p.manufacturer, p.product, p.vendorId === undefined ? undefined : `usb ${p.vendorId}:${p.productId ?? '?'}`, p.serialNumber === undefined ? undefined : `serial ${p.serialNumber}`]
        .filter((x) => x !== undefined && x !== '')
        .join(', '),
    }));
  }

  public async open(req: ValidRequests['serialOpen'], client: ClientContext): Promise<{ session: string }> {
    const port = await openSerialPort(req.path, { baud: req.baud });
    const id = randomBytes(16).toString('hex');
    const serial = new SerialClient(new FrameTransport(port.stream), { port: req.path, baud: req.baud, key: req.key, wakeMs: 5000 });
    const filter = new ConsoleFilter();
    port.stream.on('data', (c: Buffer) => {
      const text = filter.push(c.toString('latin1'));
      if (text !== '') client.emit('serial', { kind: 'console', session: id, text });
    });
    port.stream.on('close', () => {
      if (this.sessions.delete(id)) client.emit('serial', { kind: 'closed', session: id, reason: `${req.path} was closed` });
    });
    this.sessions.set(id, { path: req.path, port, client: serial, owner: client.id });
    client.onClose(async () => {
      await this.close(id);
    });
    return { session: id };
  }

  private get(session: string, client: ClientContext): Session {
    const s = this.sessions.get(session);
    if (s === undefined || s.owner !== client.id) throw new FlashError('E_SERIAL', 'the serial port is not open (open it again)', { phase: 'serial' });
    return s;
  }

  public async command(req: ValidRequests['serialCommand'], client: ClientContext): Promise<SerialAnswer> {
    const c = this.get(req.session, client).client;
    switch (req.action) {
      case 'hello': {
        const i = await c.hello();
        const text = `${i.model || 'unknown device'} (serial ${i.serial || '?'}): ${i.flavor} ${i.version} ${i.arch}, running slot ${i.activeSlot} (next boot ${i.defaultSlot}), ${i.provisioned ? 'provisioned' : 'not provisioned'}${i.locked ? ', locked' : ''}; agent ${i.agent}`;
        return { action: req.action, text, data: i };
      }
      case 'status': {
        await c.hello();
        const r = await c.status();
        return { action: req.action, text: r === undefined ? 'No result yet: the device has not applied a configuration.' : JSON.stringify(r, null, 2), data: r };
      }
      case 'logs': {
        await c.hello();
        return { action: req.action, text: await c.logs(req.lines ?? 100) };
      }
      case 'slotShow':
      case 'slotSet':
      case 'slotGood': {
        await c.hello();
        if (req.action === 'slotSet' && req.slot === undefined) throw new FlashError('E_USAGE', 'choose slot a or b');
        const s = req.action === 'slotShow' ? await c.slotShow() : req.action === 'slotGood' ? await c.slotGood() : await c.slotSet(req.slot ?? 'a');
        return { action: req.action, text: `Running slot ${s.active}; next boot: slot ${s.default} (a: ${s.a}, b: ${s.b}; ${s.platform})`, data: s };
      }
      case 'reboot':
        await c.hello();
        await c.reboot();
        return { action: req.action, text: 'The device is rebooting.' };
    }
  }

  public async push(req: ValidRequests['serialPush'], client: ClientContext): Promise<SerialPushView> {
    const c = this.get(req.session, client).client;
    const info = await c.hello();
    const device = { index: req.index ?? 1, serial: info.serial === '' ? undefined : info.serial };
    const rendered = renderConfig(req.config, { device, what: 'settings' });
    const r = await pushConfig(c, { yaml: Buffer.from(rendered.configYaml, 'utf8'), agent: Buffer.from(rendered.agentForm, 'utf8') });
    return { bytes: r.bytes, seconds: r.seconds, result: r.result };
  }

  public write(req: ValidRequests['serialConsoleWrite'], client: ClientContext): Record<string, never> {
    this.get(req.session, client).port.stream.write(Buffer.from(req.data, 'utf8'));
    return {};
  }

  public async close(session: string): Promise<Record<string, never>> {
    const s = this.sessions.get(session);
    this.sessions.delete(session);
    await s?.port.close();
    return {};
  }

  public async closeFor(req: ValidRequests['serialClose'], client: ClientContext): Promise<Record<string, never>> {
    this.get(req.session, client);
    return this.close(req.session);
  }

  public async closeAll(): Promise<void> {
    for (const id of [...this.sessions.keys()]) await this.close(id);
  }
}
