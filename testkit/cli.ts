/** Run the CLI in-process with captured output, as a script on a factory line would see it. */
import { PassThrough } from 'node:stream';
import { main } from '../main/cli/main.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCli(args: string[]): Promise<CliRun> {
  const out = new PassThrough();
  const err = new PassThrough();
  const stdin = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d: Buffer) => (o += d.toString()));
  err.on('data', (d: Buffer) => (e += d.toString()));
  const code = await main(args, { out, err, stdin, env: process.env });
  return { code, out: o, err: e };
}
