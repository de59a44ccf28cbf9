/**
 * Boots a Raspberry Pi card in QEMU's `raspi3b` machine the way the Pi firmware would
 * (docs/rpi-emulation.md): before each power-on the stand-in reads the card's 3os-boot through
 * provisioning/fat (no mounting), decides the files with pi-firmware.ts (tryboot.txt only when the
 * one-shot tryboot flag is set), writes them to a work directory and gives the QEMU arguments
 * (-kernel -initrd -dtb -append, the card as the SD card, -no-reboot). The flag is set when the
 * boot that just ended restarted with the command '0 tryboot' (the kernel logs it on the
 * console) and is cleared by the next power-on, as the firmware clears it; a reset for any other
 * reason (a plain reboot, a hang cut short by the caller's watchdog) boots config.txt.
 */
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDisk } from '../../flasher/disk-io.js';
import { FlashError } from '../../flasher/errors.js';
import { openFat } from '../fat/index.js';
import { find3osPartitions, readPartitionTable } from '../partition/index.js';
import type { PiModel } from '../slots/pi-config-txt.js';
import { loadPiBoot, type PiBootChoice } from './pi-firmware.js';

/** What Linux prints on the console when it restarts with the tryboot command. */
export const TRYBOOT_RESTART = /reboot: Restarting system with command '0 tryboot'/;

/** QEMU machine per model: only the Pi 3 family has a machine in Debian bookworm's QEMU 7.2. */
const MACHINES: Partial<Record<PiModel, string>> = { 'rpi-3b': 'raspi3b', 'rpi-3b-plus': 'raspi3b', 'rpi-zero-2w': 'raspi3b' };

export interface PiPowerOn {
  /** qemu-system-aarch64 arguments without the serial console and display options. */
  readonly args: readonly string[];
  readonly choice: PiBootChoice;
  /** Whether this boot had the tryboot flag. */
  readonly tryboot: boolean;
  readonly cmdline: string;
}

export class PiFirmwareStandIn {
  private flag = false;
  private boots = 0;

  constructor(
    private readonly card: string,
    private readonly workDir: string,
    private readonly model: PiModel = 'rpi-3b',
    /** Words added to cmdline.txt's line, as a person at the bench might (e.g. a test's `3os.serve_window=60`). */
    private readonly appendCmdline = '',
  ) {}

  /** Is the one-shot tryboot flag set for the next power-on? */
  get trybootPending(): boolean {
    return this.flag;
  }

  /** The boot that just ended printed CONSOLE (its own output only): a '0 tryboot' restart sets the flag. */
  ended(console: string): void {
    this.flag = TRYBOOT_RESTART.test(console);
  }

  /** A reset that is not a reboot of the guest's own (watchdog, power cut): the flag is lost. */
  reset(): void {
    this.flag = false;
  }

  /** Power on: read 3os-boot as the firmware would on this boot (the flag is consumed) and give QEMU's arguments. */
  async powerOn(): Promise<PiPowerOn> {
    const machine = MACHINES[this.model];
    if (machine === undefined) throw new FlashError('E_USAGE', `no QEMU machine for ${this.model} here (Debian bookworm's QEMU has raspi3b only)`);
    const size = (await stat(this.card)).size;
    if (size <= 0 || (size & (size - 1)) !== 0 || size > 2 ** 40) {
      throw new FlashError('E_TARGET_INVALID', `${this.card}: QEMU's SD card needs a power-of-two size (${size} bytes is not); use 8 GiB`, { target: this.card });
    }
    const flag = this.flag;
    this.flag = false;
    const disk = await openDisk(this.card, { writable: false });
    try {
      const layout = find3osPartitions(await readPartitionTable(disk));
      if (layout.boot === undefined) throw new FlashError('E_NOT_3OS', `${this.card}: no 3os-boot partition`, { target: this.card });
      const vol = await openFat(disk, layout.boot.start, layout.boot.size);
      const files = await loadPiBoot(vol, this.model, flag, this.card);
      const n = ++this.boots;
      const cmdline = this.appendCmdline === '' ? files.cmdline : `${files.cmdline} ${this.appendCmdline}`;
      const put = async (name: string, data: Buffer): Promise<string> => {
        const p = join(this.workDir, `boot${n}-${name}`);
        await writeFile(p, data);
        return p;
      };
      const args = [
        '-M', machine, '-m', '1G', '-accel', 'tcg', '-no-reboot', '-nodefaults', '-no-user-config',
        '-kernel', await put('kernel', files.kernel),
        '-dtb', await put('dtb', files.deviceTree),
        ...(files.initramfs === undefined ? [] : ['-initrd', await put('initramfs', files.initramfs)]),
        '-append', cmdline,
        '-drive', `if=sd,format=raw,file=${this.card}`,
      ];
      return { args, choice: files.choice, tryboot: flag, cmdline };
    } finally {
      await disk.close();
    }
  }
}
