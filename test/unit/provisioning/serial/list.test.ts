import { describe, it, expect, afterEach } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFromSysfs } from '../../../../provisioning/serial/list.js';

describe('listFromSysfs (fallback when udevadm is missing)', () => {
  let base = '';
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('finds USB vid/pid/serial above the tty and skips 8250 placeholders', () => {
    base = mkdtempSync(join(tmpdir(), 'sysfs-'));
    const sys = join(base, 'sys');
    const usb = join(sys, 'devices/pci0000:00/0000:00:14.0/usb1/1-2');
    const iface = join(usb, '1-2:1.0/ttyUSB0');
    mkdirSync(iface, { recursive: true });
    for (const [f, v] of [['idVendor', '0403'], ['idProduct', '6001'], ['serial', 'A50285BI'], ['manufacturer', 'FTDI'], ['product', 'FT232R USB UART']]) writeFileSync(join(usb, f ?? ''), `${v}\n`);
    const placeholder = join(sys, 'devices/platform/serial8250/tty/ttyS1');
    mkdirSync(placeholder, { recursive: true });
    mkdirSync(join(sys, 'class/tty/ttyUSB0'), { recursive: true });
    mkdirSync(join(sys, 'class/tty/ttyS1'), { recursive: true });
    mkdirSync(join(sys, 'class/tty/tty0'), { recursive: true });
    symlinkSync(join(usb, '1-2:1.0'), join(sys, 'class/tty/ttyUSB0/device'));
    symlinkSync(join(sys, 'devices/platform/serial8250'), join(sys, 'class/tty/ttyS1/device'));
    expect(listFromSysfs(sys)).toEqual([
      { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', serialNumber: 'A50285BI', manufacturer: 'FTDI', product: 'FT232R USB UART', source: 'sysfs' },
    ]);
  });
});
