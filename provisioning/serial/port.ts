/**
 * The serialport adapter: opens a real port (USB-UART, ttyAMA, a pty) as a Duplex with the
 * protocol's line settings (115200 8N1 by default, optional RTS/CTS), and turns the ways an
 * open fails into clear E_SERIAL errors.
 */
import { existsSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { SerialPort } from 'serialport';
import { FlashError } from '../../flasher/errors.js';

export interface PortOptions {
  readonly baud?: number;
  /** Hardware flow control (RTS/CTS). */
  readonly rtscts?: boolean;
}

export interface OpenPort {
  readonly stream: Duplex;
  /** A line BREAK (for consoles that listen for one, e.g. to reach a boot loader). */
  sendBreak(ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function openSerialPort(path: string, opts: PortOptions = {}): Promise<OpenPort> {
  const baud = opts.baud ?? 115200;
  if (!existsSync(path)) throw new FlashError('E_SERIAL', `no such serial port: ${path} (run \`3os-flash serial list\`)`, { target: path, phase: 'serial' });
  const port = new SerialPort({ path, baudRate: baud, dataBits: 8, parity: 'none', stopBits: 1, rtscts: opts.rtscts ?? false, autoOpen: false, lock: true });
  await new Promise<void>((resolve, reject) => {
    port.open((e) => {
      if (!e) {
        resolve();
        return;
      }
      const m = e.message;
      if (/lock|busy|EBUSY|temporarily unavailable/i.test(m)) {
        reject(new FlashError('E_SERIAL', `serial port ${path} is busy: another program holds it (close screen/minicom/another 3os-flash)`, { target: path, phase: 'serial', cause: e }));
      } else if (/ENOENT|No such file/i.test(m)) {
        reject(new FlashError('E_SERIAL', `no such serial port: ${path}`, { target: path, phase: 'serial', cause: e }));
      } else if (/EACCES|permission/i.test(m)) {
        reject(new FlashError('E_SERIAL', `no permission to open ${path} (join the dialout/uucp group, or run as root)`, { target: path, phase: 'serial', cause: e }));
      } else {
        reject(new FlashError('E_SERIAL', `cannot open serial port ${path}: ${m}`, { target: path, phase: 'serial', cause: e }));
      }
    });
  });
  return {
    stream: port,
    sendBreak: (ms = 250) =>
      new Promise<void>((resolve) => {
        port.set({ brk: true }, () => setTimeout(() => port.set({ brk: false }, () => resolve()), ms));
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) {
          resolve();
          return;
        }
        port.close(() => resolve());
      }),
  };
}
