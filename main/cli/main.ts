/**
 * The `3os-flash` command line: parses the verb and hands the rest to that command.
 * Verbs and flags here are a public contract (factory scripts call them): add, never rename.
 */
import { readFileSync } from 'node:fs';
import { commands } from './commands/index.js';
import { processIO, reportError, type CliIO } from './io.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function help(io: CliIO): void {
  const lines = [
    '3os-flash: write, grow and provision 3os images (and any raw disk image).',
    '',
    'Usage: 3os-flash <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'Run `3os-flash <command> --help` for the options of a command.',
    'Options: --help, --version',
  ];
  io.out.write(`${lines.join('\n')}\n`);
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    help(io);
    return verb === undefined ? 2 : 0;
  }
  if (verb === '--version' || verb === '-V') {
    io.out.write(`${version()}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === verb);
  if (entry === undefined) {
    io.err.write(`3os-flash: unknown command "${verb}". Run 3os-flash --help.\n`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out.write(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    return reportError(e, io, rest.includes('--json'));
  }
}
