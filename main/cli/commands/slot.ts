/**
 * `3os-flash slot TARGET [a|b] [--try [N]]`: show or switch the A/B slot of a 3os disk offline
 * (UEFI: systemd-boot entries on 3os-boot; Raspberry Pi: config.txt's os_prefix), for recovery
 * on a host. Over a serial console the same switch is `3os-flash serial slot`.
 */
import { parseArgs } from 'node:util';
import { openDisk } from '../../../flasher/disk-io.js';
import { isFlashError } from '../../../flasher/errors.js';
import type { Confirmer } from '../../../flasher/guard/guard.js';
import { DEFAULT_TRIES, planSlot, readSlots, type PiSlotStatus, type SlotState, type SlotStatus, type UefiSlotStatus } from '../../../provisioning/slots/index.js';
import { guardChoices, guardFlags, guardFlagsHelp } from '../guard-flags.js';
import { usageError, type CliIO, type Command } from '../io.js';
import { runEditPlan } from './edit-plan.js';

const usage = `Usage: 3os-flash slot TARGET [a|b] [--try [N]] [--json] [--yes] [--unmount]

Without a slot: show which slot boots next and the state of both. With a slot: make it boot next.
UEFI (systemd-boot): slots are good, trying (tries left) or bad (tries used up). A slot that has
not proven itself yet (it carries a boot counter), or any slot with --try, boots on trial: if it
does not come up N times (default ${DEFAULT_TRIES}), systemd-boot falls back to the other slot.
Raspberry Pi: config.txt commits a slot (os_prefix=a/ or b/); the switch rewrites that one line
and keeps every other line. A trial needs the running device (the firmware's tryboot flag):
use "3os-flash serial slot b --try" (docs/serial-protocol.md); offline --try is refused.

Options:
  --try [N] boot the slot on trial with N tries (1-99, UEFI only)
  --json    print the slot state as JSON
Switching a slot changes the disk and goes through the same checks as write:
${guardFlagsHelp}`;

function stateText(s: SlotState): string {
  switch (s.state) {
    case 'trying':
      return `trying (${s.triesLeft} tries left, ${s.triesDone} done)`;
    case 'bad':
      return `bad (no tries left after ${s.triesDone})`;
    default:
      return s.state;
  }
}

function piText(s: PiSlotStatus): string {
  const dir = (x: 'a' | 'b'): string => (s[x].state === 'present' ? `${x}/ on 3os-boot` : `missing (no ${x}/ on 3os-boot)`);
  const trial = !s.trybootPending ? 'none' : s.trial !== undefined ? `tryboot.txt selects slot ${s.trial} (used only on a reboot with the tryboot flag)` : `tryboot.txt is not usable: ${s.trybootProblem ?? '?'}`;
  return [`next boot: slot ${s.next} (config.txt os_prefix=${s.committed}/, committed)`, `trial pending: ${trial}`, `slot a: ${dir('a')}`, `slot b: ${dir('b')}`].join('\n');
}

function text(s: SlotStatus): string {
  if (s.platform === 'rpi') return s.uefi === undefined ? piText(s) : `Raspberry Pi:\n${piText(s)}\nUEFI:\n${uefiText(s.uefi)}`;
  return uefiText(s);
}

function uefiText(s: UefiSlotStatus): string {
  return [`next boot: slot ${s.next ?? '?'} (loader.conf default ${s.defaultPattern ?? 'not set'})`, `slot a: ${stateText(s.a)}`, `slot b: ${stateText(s.b)}`].join('\n');
}

/**
 * Refuse a switch the disk cannot take (no such slot, a config.txt that is not a 3os layout, a Pi
 * trial offline) before the guard's question: the same checks the run repeats, read-only.
 * Other failures (no access yet) are left to the guarded run.
 */
async function precheck(target: string, slot: 'a' | 'b', tries: number | undefined): Promise<void> {
  let disk;
  try {
    disk = await openDisk(target);
  } catch {
    return;
  }
  try {
    await planSlot(disk, slot, { tries });
  } catch (e) {
    if (isFlashError(e) && (e.code === 'E_SLOT' || e.code === 'E_NOT_3OS')) throw e;
  } finally {
    await disk.close();
  }
}

async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  // --try without a count: a trial with the default number of tries
  const argv = args.map((a, i) => (a === '--try' && !/^\d+$/.test(args[i + 1] ?? '') ? `--try=${DEFAULT_TRIES}` : a));
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { try: { type: 'string' }, json: { type: 'boolean' }, ...guardFlags } });
  } catch (e) {
    throw usageError(e instanceof Error ? e.message : String(e));
  }
  const [target, slot, ...rest] = parsed.positionals;
  if (target === undefined || rest.length > 0) throw usageError('slot takes a TARGET and optionally a or b');
  if (slot !== undefined && slot !== 'a' && slot !== 'b') throw usageError(`slot: expected a or b, not "${slot}"`);
  const tries = parsed.values.try === undefined ? undefined : Number(parsed.values.try);
  if (tries !== undefined && (!Number.isInteger(tries) || tries < 1 || tries > 99)) throw usageError('--try takes a whole number from 1 to 99');
  if (tries !== undefined && slot === undefined) throw usageError('--try needs a slot (a or b)');
  const json = parsed.values.json === true;
  if (slot === undefined) {
    // Showing the slots only reads the disk: no guard, no exclusive hold.
    const disk = await openDisk(target);
    try {
      const s = await readSlots(disk);
      io.out.write(json ? `${JSON.stringify(s)}\n` : `${text(s)}\n`);
      return 0;
    } finally {
      await disk.close();
    }
  }
  const guard = guardChoices(parsed.values, io, json);
  // The switch is checked before the question, after the guard has judged the target (a read-only
  // or system drive is refused as such first); without a question the run refuses before writing.
  const ask = guard.confirm;
  const confirm: Confirmer | undefined =
    ask === undefined
      ? undefined
      : async (question, expected) => {
          await precheck(target, slot, tries);
          return ask(question, expected);
        };
  return runEditPlan({ kind: 'slot', target, slot, tries, ...guard.plan }, io, json, { ...guard, confirm }, (d) => (d.kind === 'slot' ? { json: d.slot, text: text(d.slot) } : undefined));
}

export const slotCommand: Command = { name: 'slot', summary: 'show or switch the A/B slot of a disk offline', usage, run };
