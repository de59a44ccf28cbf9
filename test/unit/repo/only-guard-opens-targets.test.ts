/**
 * No verb opens a target for writing except through the guard (flasher/guard): every way to
 * open a file or device read-write in flasher/, provisioning/ and main/ is listed here with the
 * reason it is not a target, and a new one fails this test until it goes through the guard.
 * Plain source scan: no root, no devices.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** Write-opens that are allowed, and why they are not a way around the guard. */
const ALLOWED: Record<string, string> = {
  'flasher/guard/handle.ts': 'the guard itself: the exclusive open of a target',
  'flasher/guard/guard.ts': 'the guard itself (a dry run probes O_EXCL read-only)',
  'flasher/disk-io.ts': 'openDisk({ writable }) is the primitive; only the guard and tests pass writable (see below)',
  'flasher/write/target.ts': "the O_DIRECT twin of the guard's handle, and the temporary sibling of an image-file target",
  'flasher/catalog/cache-index.ts': 'the download cache index, a file of our own',
  'provisioning/config/presets.ts': 'saved presets, files of our own',
  'flasher/backup/sink.ts': "a backup's fresh .partial output file, after flasher/guard/backup.ts judged the output path (not on the source, not existing without --force)",
};

const PATTERNS: readonly RegExp[] = [/\bwritable:\s*true\b/, /\bO_RDWR\b/, /\bO_WRONLY\b/, /\bopen(?:Sync)?\([^)]*['"](?:r\+|w\+?|wx\+?|a\+?|ax\+?|rs\+)['"]/, /\bTargetHandle\.take\(/];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Lines of `text` that open something for writing. */
export function writeOpens(text: string): string[] {
  return text.split('\n').filter((line) => !/^\s*(\/\/|\*)/.test(line) && PATTERNS.some((re) => re.test(line)));
}

describe('only the guard opens targets for writing', () => {
  it('finds a write-open when there is one (the scan itself works)', () => {
    expect(writeOpens("const fh = await fsp.open(dev, 'r+');")).toHaveLength(1);
    expect(writeOpens('const d = await openDisk(target, { writable: true });')).toHaveLength(1);
    expect(writeOpens('fsp.open(p, fsc.O_RDWR | fsc.O_EXCL)')).toHaveLength(1);
    expect(writeOpens("const fh = await fsp.open(p, 'r');")).toHaveLength(0);
  });

  it('no file outside the list opens a file or device read-write', () => {
    const offenders: string[] = [];
    for (const dir of ['flasher', 'provisioning', 'main']) {
      for (const file of sources(join(repo, dir))) {
        const rel = relative(repo, file);
        if (ALLOWED[rel] !== undefined) continue;
        for (const line of writeOpens(readFileSync(file, 'utf8'))) offenders.push(`${rel}: ${line.trim()}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
