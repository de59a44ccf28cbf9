/**
 * Entry point of the privileged writer helper process (dist/main/helper/entry.js), started by
 * launcher.ts elevated (pkexec / osascript / UAC) or directly when already root. It carries no UI
 * and reads no environment (pkexec clears it): everything arrives on argv and the channel.
 *
 *   node entry.js --session <64 hex> [--parent-pid <pid>] [--pipe <socket or named pipe path>]
 *
 * Without --pipe the channel is stdin/stdout; with it the helper connects to the parent's unix
 * socket (macOS) or named pipe (Windows). Exit codes: see HELPER_EXIT in protocol.ts.
 */
process.env.UV_THREADPOOL_SIZE ??= '16';

import { connect } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { detect3os } from '../../provisioning/detect/detect-3os.js';
import { runPlan } from '../../provisioning/plan/run-plan.js';
import { runHelper, type JobRunner } from './helper.js';
import { parseHelperArgs } from './args.js';
import { HELPER_EXIT } from './protocol.js';

/** The one plan runner: it guards every target itself, then writes, grows, seeds or edits. */
const realRunner: JobRunner = (plan, onEvent, signal) => runPlan(plan, { onEvent, signal, detect3os });

async function channel(pipe: string | undefined): Promise<{ input: Readable; output: Writable }> {
  if (pipe === undefined) return { input: process.stdin, output: process.stdout };
  const sock = connect(pipe);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  return { input: sock, output: sock };
}

async function main(): Promise<number> {
  const args = parseHelperArgs(process.argv.slice(2));
  if (args === undefined) {
    process.stderr.write('3os-flash helper: usage: entry.js --session <64 hex> [--parent-pid <pid>] [--pipe <path>]\n');
    return HELPER_EXIT.PROTOCOL;
  }
  const { input, output } = await channel(args.pipe);
  const stop = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(sig, () => stop.abort());
  let stuck = false;
  const code = await runHelper({
    input,
    output,
    token: args.session,
    runJob: realRunner,
    parentPid: args.parentPid,
    stop: stop.signal,
    onStuckJob: () => (stuck = true),
  });
  await new Promise<void>((resolve) => (output === process.stdout ? output.write('', () => resolve()) : output.end(resolve)));
  // A thread-pool thread stuck in a syscall would make a normal exit hang (libuv joins its threads).
  if (stuck) process.kill(process.pid, 'SIGKILL');
  return code;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`3os-flash helper: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(HELPER_EXIT.INTERNAL);
  },
);
