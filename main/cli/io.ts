/**
 * What a CLI command gets to talk to the user: output streams, the --json switch, and the
 * one place where errors become a one-line message and an exit code (never a stack trace
 * for an expected failure).
 */
import { isFlashError, FlashError } from '../../flasher/errors.js';
import { cliHint } from '../ipc/error-text.js';

export interface CliIO {
  readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly err: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Environment (for tests and for CI detection). */
  readonly env: NodeJS.ProcessEnv;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: string[], io: CliIO): Promise<number>;
}

export function processIO(): CliIO {
  return { out: process.stdout, err: process.stderr, stdin: process.stdin, env: process.env };
}

/** Print an error the way users should see it; returns the exit code. */
export function reportError(e: unknown, io: CliIO, json: boolean): number {
  if (isFlashError(e)) {
    if (json) io.out.write(`${JSON.stringify({ kind: 'error', ...e.toJSON() })}\n`);
    else io.err.write(`3os-flash: ${e.message}\n${hintLine(e)}`);
    return e.exitCode;
  }
  const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
  if (json) io.out.write(`${JSON.stringify({ kind: 'error', code: 'E_INTERNAL', message: String(e) })}\n`);
  io.err.write(`3os-flash: internal error (please report it):\n${msg}\n`);
  return 1;
}

/** The next step, from the one code-to-text table the app uses too (main/ipc/error-text.ts). */
function hintLine(e: FlashError): string {
  const h = cliHint(e.code);
  return h === undefined ? '' : `  hint: ${h}\n`;
}

export function usageError(message: string): FlashError {
  return new FlashError('E_USAGE', message);
}
