/**
 * The machine-identity reset a clone carries: `3os/identity-reset` on the config partition,
 * with a clone id unique to each target. The device agent (assets/agent/lib/identity.sh) reads
 * it on boot and, once per clone id, gives the device its own machine-id and SSH host keys, so
 * clones of one golden device never share them.
 */
import { randomUUID } from 'node:crypto';

export const IDENTITY_RESET_PATH = '3os/identity-reset';

export function identityResetFile(source: string, now = new Date()): { path: string; data: Buffer } {
  const text = [
    '# Written by 3os-flash clone: this disk is a copy of another device. On its next boot the',
    '# 3os agent makes a new machine-id and new SSH host keys, once for this clone_id.',
    `clone_id=${randomUUID()}`,
    `source=${source.replace(/[\r\n]/g, ' ')}`,
    `cloned_at=${now.toISOString()}`,
    'reset=machine-id ssh-host-keys',
    '',
  ].join('\n');
  return { path: IDENTITY_RESET_PATH, data: Buffer.from(text) };
}
