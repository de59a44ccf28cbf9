/**
 * The CLI's verbs, in the order --help lists them. Each verb's module (and everything it imports)
 * is loaded only when that verb runs, so `--version`, `--help` and a factory script's every call
 * pay only for what they use (issue 18: ~0.55 s before, every verb's imports on every start).
 * The summaries are listed here for --help; test/unit/main/cli/verbs.test.ts checks each against
 * its module's.
 */
import type { Command } from '../io.js';

export interface Verb {
  readonly name: string;
  readonly summary: string;
  /** The verb's module, imported on first use. */
  load(): Promise<Command>;
}

export const commands: readonly Verb[] = [
  { name: 'write', summary: 'write an image to one or more drives or files, verified', load: async () => (await import('./write.js')).writeCommand },
  { name: 'catalog', summary: 'list the 3os images the catalogs offer for a board', load: async () => (await import('./catalog.js')).catalogCommand },
  { name: 'cache', summary: 'list, clear or fill the image download cache', load: async () => (await import('./cache.js')).cacheCommand },
  { name: 'drives', summary: 'list drives (and Pis in USB boot mode); --watch for hot-plug', load: async () => (await import('./drives.js')).drivesCommand },
  { name: 'grow', summary: 'grow the 3os data volume (GPT/MBR + LVM) to fill a disk', load: async () => (await import('./grow.js')).growCommand },
  { name: 'seed', summary: 'write the first-boot configuration into a 3os disk', load: async () => (await import('./seed.js')).seedCommand },
  { name: 'inspect', summary: 'show the image, config and first-boot result on a disk', load: async () => (await import('./inspect.js')).inspectCommand },
  { name: 'backup', summary: 'save a drive into an image of what is in use (restore with write)', load: async () => (await import('./backup.js')).backupCommand },
  { name: 'clone', summary: 'copy a drive to one or many drives (what is in use), each with its own identity', load: async () => (await import('./clone.js')).cloneCommand },
  { name: 'serial', summary: 'Provision or recover a device over its serial console', load: async () => (await import('./serial.js')).serialCommand },
  { name: 'slot', summary: 'show or switch the A/B slot of a disk offline', load: async () => (await import('./slot.js')).slotCommand },
  { name: 'repair', summary: 'rewrite the OS slots of a 3os disk from an image, keeping its data', load: async () => (await import('./repair.js')).repairCommand },
];
