/** Typed confirmation on a terminal before a destructive step. */
import { createInterface } from 'node:readline/promises';
import type { CliIO } from './io.js';

export async function confirm(io: CliIO, question: string, expected = 'yes'): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.err });
  try {
    const answer = await rl.question(`${question} Type "${expected}" to go on: `);
    return answer.trim() === expected;
  } finally {
    rl.close();
  }
}
