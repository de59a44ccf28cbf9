/**
 * A stand-in for the Raspberry Pi boot firmware's file choices (docs/rpi-emulation.md): QEMU
 * cannot run the Pi's GPU firmware, so a test or a boot check plays its part from the card's own
 * 3os-boot. With the one-shot tryboot flag set and a `tryboot.txt` present the firmware reads that
 * file, else `config.txt`; it applies `os_prefix` and loads the kernel, initramfs, device tree and
 * `cmdline.txt` (rules: pi-config-txt.ts, the one home of the config.txt grammar). This module only
 * decides and reads; pi-firmware-run.ts boots the choice in QEMU. Nothing here writes the card.
 */
import { FlashError } from '../../flasher/errors.js';
import type { FatVolume } from '../fat/index.js';
import { defaultDtb, firmwareBoot, type FirmwareBoot, type PiModel } from '../slots/pi-config-txt.js';
import { PI_CONFIG, PI_TRYBOOT } from '../slots/pi-slots.js';

/** The files the firmware would read, as decided from the config file's text (pure). */
export interface PiBootChoice {
  /** The config file the firmware read: tryboot.txt only with the flag set and the file present. */
  readonly configFile: typeof PI_CONFIG | typeof PI_TRYBOOT;
  readonly settings: FirmwareBoot;
  /** Paths on 3os-boot. */
  readonly kernel: string;
  readonly initramfs: string | undefined;
  readonly deviceTree: string;
  readonly cmdline: string;
  /** What the real firmware would also do that the stand-in does not (dtoverlay/dtparam lines). */
  readonly notApplied: readonly string[];
}

/**
 * Decide from CONFIG (config.txt's text) and TRYBOOT (tryboot.txt's, undefined when absent) what
 * the firmware of MODEL loads. `flag` is the one-shot tryboot flag of this boot.
 */
export function choosePiBoot(config: string, tryboot: string | undefined, flag: boolean, model: PiModel): PiBootChoice {
  const useTryboot = flag && tryboot !== undefined;
  const settings = firmwareBoot(useTryboot ? tryboot : config, model);
  const notApplied = [...settings.dtoverlays.map((o) => `dtoverlay=${[o.name, ...o.params].join(',')}`), ...settings.dtparams.map((p) => `dtparam=${p}`)];
  return {
    configFile: useTryboot ? PI_TRYBOOT : PI_CONFIG,
    settings,
    kernel: settings.paths.kernel,
    initramfs: settings.paths.initramfs,
    deviceTree: settings.paths.deviceTree ?? settings.osPrefix + defaultDtb(model, settings.upstreamKernel),
    cmdline: settings.paths.cmdline,
    notApplied,
  };
}

/** The loaded files of one boot: what QEMU gets as -kernel, -initrd, -dtb and -append. */
export interface PiBootFiles {
  readonly choice: PiBootChoice;
  readonly kernel: Buffer;
  readonly initramfs: Buffer | undefined;
  readonly deviceTree: Buffer;
  /** cmdline.txt's first line, as the firmware passes it. */
  readonly cmdline: string;
}

const text = (b: Buffer): string => b.toString('latin1');

/**
 * Read 3os-boot (VOL) as the firmware of MODEL would on this boot. A card without config.txt, or
 * whose chosen slot lacks a file the settings name, is E_SLOT (on a Pi: the firmware stops with
 * its error blink pattern; this stand-in does not guess another file).
 */
export async function loadPiBoot(vol: FatVolume, model: PiModel, flag: boolean, target = 'card'): Promise<PiBootFiles> {
  const config = await vol.readFile(PI_CONFIG);
  if (config === undefined) throw new FlashError('E_NOT_3OS', `${target}: 3os-boot has no ${PI_CONFIG}: the Raspberry Pi firmware would find nothing to boot`, { target, phase: 'slot' });
  const tryboot = await vol.readFile(PI_TRYBOOT);
  const choice = choosePiBoot(text(config), tryboot === undefined ? undefined : text(tryboot), flag, model);
  const need = async (path: string, what: string): Promise<Buffer> => {
    const b = await vol.readFile(path);
    if (b === undefined) throw new FlashError('E_SLOT', `${target}: ${choice.configFile} names ${what} ${path}, which is not on 3os-boot`, { target, phase: 'slot' });
    return b;
  };
  const kernel = await need(choice.kernel, 'the kernel');
  const initramfs = choice.initramfs === undefined ? undefined : await need(choice.initramfs, 'the initramfs');
  const deviceTree = await need(choice.deviceTree, 'the device tree');
  const cmdline = (text(await need(choice.cmdline, 'the command line')).split(/\r?\n/)[0] ?? '').trim();
  return { choice, kernel, initramfs, deviceTree, cmdline };
}
