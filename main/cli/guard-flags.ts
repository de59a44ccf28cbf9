/**
 * The flags every CLI verb that changes a disk shares, and how they become the guard's
 * questions (flasher/guard): one refusal policy for write, grow, seed, slot and repair.
 */
import type { Confirmer } from '../../flasher/guard/guard.js';
import { confirm } from './confirm.js';
import type { CliIO } from './io.js';

export const guardFlags = {
  yes: { type: 'boolean', short: 'y' },
  unmount: { type: 'boolean' },
  'allow-system-drive': { type: 'boolean' },
} as const;

export const guardFlagsHelp = `  --yes                 do not ask for confirmation on a terminal (a system drive is still asked for)
  --unmount             unmount the target's mounted partitions first (a mounted target is refused otherwise)
  --allow-system-drive  allow a drive flagged as a system drive (its name must be typed back on a terminal)`;

export interface GuardFlagValues {
  readonly yes?: boolean | undefined;
  readonly unmount?: boolean | undefined;
  readonly 'allow-system-drive'?: boolean | undefined;
}

/** The plan's guard fields and the runner's terminal questions, from the flags. */
export function guardChoices(values: GuardFlagValues, io: CliIO, json: boolean): {
  plan: { allowSystemDrive: boolean; unmount: boolean };
  confirm: Confirmer | undefined;
  yes: boolean;
} {
  const interactive = io.stdin.isTTY === true && !json;
  return {
    plan: { allowSystemDrive: values['allow-system-drive'] === true, unmount: values.unmount === true },
    confirm: interactive ? (question, expected) => confirm(io, question, expected) : undefined,
    yes: values.yes === true,
  };
}

/** The local files a verb reads besides its image (config, CSV, policy, bmap): the guard refuses a target that holds one. */
export function inputFiles(...paths: (string | undefined)[]): string[] | undefined {
  const files = paths.filter((p): p is string => p !== undefined);
  return files.length === 0 ? undefined : files;
}
