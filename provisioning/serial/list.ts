/**
 * Lists serial ports with their USB identity (vendor/product id, serial number). Uses
 * serialport's lister, and on Linux falls back to /sys/class/tty when that fails (it runs
 * udevadm, which is missing on many systems: "spawn udevadm ENOENT").
 */
import { readdirSync, readFileSync, realpathSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { SerialPort } from 'serialport';

export interface SerialPortInfo {
  readonly path: string;
  readonly vendorId?: string | undefined;
  readonly productId?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly manufacturer?: string | undefined;
  readonly product?: string | undefined;
  /** Where the answer came from. */
  readonly source: 'serialport' | 'sysfs';
}

export async function listSerialPorts(sysRoot = '/sys'): Promise<SerialPortInfo[]> {
  if (sysRoot === '/sys') {
    try {
      const ports = await SerialPort.list();
      return ports.map((p) => ({
        path: p.path,
        vendorId: p.vendorId,
        productId: p.productId,
        serialNumber: p.serialNumber,
        manufacturer: p.manufacturer,
        product: undefined,
        source: 'serialport' as const,
      }));
    } catch {
      /* fall back to sysfs below */
    }
  }
  return listFromSysfs(sysRoot);
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** /sys/class/tty/<name>/device -> the USB device directory above it holds idVendor etc. */
export function listFromSysfs(sysRoot = '/sys', devRoot = '/dev'): SerialPortInfo[] {
  const base = join(sysRoot, 'class/tty');
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return [];
  }
  const out: SerialPortInfo[] = [];
  for (const name of names.sort()) {
    const devLink = join(base, name, 'device');
    if (!existsSync(devLink)) continue;
    let dev: string;
    try {
      dev = realpathSync(devLink);
    } catch {
      continue;
    }
    // Legacy 8250 placeholders (ttyS0..31 with no hardware) sit under platform/serial8250.
    if (dev.includes('/platform/serial8250')) continue;
    let usb: string | undefined;
    for (let d = dev; d.length > sysRoot.length && d !== dirname(d); d = dirname(d)) {
      if (existsSync(join(d, 'idVendor'))) {
        usb = d;
        break;
      }
    }
    out.push({
      path: join(devRoot, name),
      vendorId: usb && read(join(usb, 'idVendor')),
      productId: usb && read(join(usb, 'idProduct')),
      serialNumber: usb && read(join(usb, 'serial')),
      manufacturer: usb && read(join(usb, 'manufacturer')),
      product: usb && read(join(usb, 'product')),
      source: 'sysfs',
    });
  }
  return out;
}
