/**
 * `3os-flash slot TARGET [a|b] [--try N]`: show or switch the A/B slot of a 3os disk offline
 * (UEFI/systemd-boot entries on 3os-boot), for recovery on a host. Over a serial console the
 * same switch is `3os-flash serial slot`.
 */
import { parseArgs } from 'node:util';
import { openDisk } from '../../../flasher/disk-io.js';
import { readSlots, type SlotState, type SlotStatus } from '../../../provisioning/slots/index.js';
import { guardChoices, guardFlags, guardFlagsHelp } from '../guard-flags.js';
import { usageError, type CliIO, type Command } from '../io.js';
import { runEditPlan } from './edit-plan.js';

const usage = `Usage: 3os-flash slot TARGET [a|b] [--try N] [--json] [--yes] [--unmount]

Without a slot: show which slot boots next and the state of both (good, trying with tries left,
bad when its tries are used up). With a slot: make it boot next. A slot that has not proven
itself yet (it carries a boot counter), or any slot with --try N, boots on trial: if it does not
come up N times, systemd-boot falls back to the other slot.

Options:
  --try N   boot the slot on trial with N tries (1-99)
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

function text(s: SlotStatus): string {
  return [`next boot: slot ${s.next ?? '?'} (loader.conf default ${s.defaultPattern ?? 'not set'})`, `slot a: ${stateText(s.a)}`, `slot b: ${stateText(s.b)}`].join('\n');
}

async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { try: { type: 'string' }, json: { type: 'boolean' }, ...guardFlags } });
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
  return runEditPlan({ kind: 'slot', target, slot, tries, ...guard.plan }, io, json, guard, (d) => (d.kind === 'slot' ? { json: d.slot, text: text(d.slot) } : undefined));
}

export const slotCommand: Command = { name: 'slot', summary: 'show or switch the A/B slot of a disk offline', usage, run };
