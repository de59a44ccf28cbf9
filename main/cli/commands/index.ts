/** The CLI's verbs, in the order --help lists them. */
import type { Command } from '../io.js';
import { growCommand } from './grow.js';
import { writeCommand } from './write.js';

export const commands: readonly Command[] = [writeCommand, growCommand];
