/** The CLI's verbs, in the order --help lists them. */
import type { Command } from '../io.js';
import { cacheCommand } from './cache.js';
import { catalogCommand } from './catalog.js';
import { drivesCommand } from './drives.js';
import { growCommand } from './grow.js';
import { inspectCommand } from './inspect.js';
import { repairCommand } from './repair.js';
import { seedCommand } from './seed.js';
import { serialCommand } from './serial.js';
import { slotCommand } from './slot.js';
import { writeCommand } from './write.js';

export const commands: readonly Command[] = [writeCommand, catalogCommand, cacheCommand, drivesCommand, growCommand, seedCommand, inspectCommand, serialCommand, slotCommand, repairCommand];
