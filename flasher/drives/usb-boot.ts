/**
 * Raspberry Pi boards waiting in USB boot mode (Compute Module 1/3/4/5 with nRPIBOOT set, Pi 4/5
 * in rpiboot mode). Until `rpiboot` loads a mass-storage gadget they show no disk, so the drive
 * list shows them as a pseudo-entry telling the user what to do.
 *
 * Linux reads /sys/bus/usb/devices/<dev>/idVendor and idProduct. macOS and Windows are not
 * scanned (no sysfs; the `usb` package could do it later): those users see nothing until rpiboot
 * has run, which is also what Raspberry Pi Imager shows.
 */
import { join } from 'node:path';
import { listDir, readText } from './sysfs.js';
import type { UsbBootDevice } from './types.js';

export const RPI_USB_VENDOR = 0x0a5c;

/** Broadcom boot ROM product ids and the chips they belong to. */
export const RPI_USB_BOOT_PRODUCTS: ReadonlyMap<number, string> = new Map([
  [0x2763, 'BCM2835/BCM2837 (Compute Module 1/3/3+, Pi Zero)'],
  [0x2764, 'BCM2837 (Compute Module 3/3+)'],
  [0x2711, 'BCM2711 (Compute Module 4 / Pi 4 / Pi 400)'],
  [0x2712, 'BCM2712 (Compute Module 5 / Pi 5)'],
]);

/** Pure: a USB device in boot mode, or undefined for anything else. */
export function usbBootEntry(sysName: string, vendorHex: string, productHex: string): UsbBootDevice | undefined {
  const vendorId = parseInt(vendorHex, 16);
  const productId = parseInt(productHex, 16);
  if (vendorId !== RPI_USB_VENDOR) return undefined;
  const chip = RPI_USB_BOOT_PRODUCTS.get(productId);
  if (chip === undefined) return undefined;
  return {
    kind: 'usbboot',
    id: `usb:${sysName}`,
    vendorId,
    productId,
    chip,
    description: `Raspberry Pi ${chip} in USB boot mode: needs USB boot (rpiboot) to expose its eMMC`,
  };
}

/** Scan /sys/bus/usb/devices under `root` (Linux only; [] elsewhere). */
export async function findUsbBootDevices(root = '/', platform: NodeJS.Platform = process.platform): Promise<UsbBootDevice[]> {
  if (platform !== 'linux') return [];
  const base = join(root, 'sys', 'bus', 'usb', 'devices');
  const out: UsbBootDevice[] = [];
  for (const name of await listDir(base)) {
    if (name.includes(':')) continue; // interfaces, not devices
    const vendor = await readText(join(base, name, 'idVendor'));
    const product = await readText(join(base, name, 'idProduct'));
    if (vendor === undefined || product === undefined) continue;
    const entry = usbBootEntry(name, vendor, product);
    if (entry !== undefined) out.push(entry);
  }
  return out;
}
