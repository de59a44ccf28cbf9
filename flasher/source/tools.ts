/**
 * Which external decompressors this machine has. Spawned tools are the fast paths (xz -T0 decodes
 * multi-block files in parallel, lbzip2 is 3x bzip2); each answer is cached for the process.
 */
import { spawn } from 'node:child_process';

const cache = new Map<string, Promise<boolean>>();

/** True when `name --version` runs and exits 0 (looked up on PATH). */
export function hasTool(name: string): Promise<boolean> {
  let p = cache.get(name);
  if (p === undefined) {
    p = new Promise<boolean>((resolve) => {
      try {
        const child = spawn(name, ['--version'], { stdio: 'ignore' });
        child.once('error', () => resolve(false));
        child.once('close', (code) => resolve(code === 0));
      } catch {
        resolve(false);
      }
    });
    cache.set(name, p);
  }
  return p;
}
