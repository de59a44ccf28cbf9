/**
 * The shipped time zone list (provisioning/config/time-zones.ts, generated from Debian's tzdata
 * at development time) against the machine's tzdata: the same zones and links as
 * /usr/share/zoneinfo/tzdata.zi when the versions match, every zone a file there, every alias
 * mapped to a zone with the same rules, and systemd-firstboot (what sets /etc/localtime on a
 * device) accepting each stored name.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TIME_ZONE_LINKS, TIME_ZONES, TZDATA_VERSION } from '../../provisioning/config/time-zones.js';
import { validateConfig } from '../../provisioning/config/validate.js';
import { shSync } from '../../testkit/sh.js';

const ZONEINFO = '/usr/share/zoneinfo';
const ZI = join(ZONEINFO, 'tzdata.zi');
const hasZi = existsSync(ZI);
const dir = mkdtempSync(join(tmpdir(), '3os-tz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readZi(): { version: string; zones: string[]; links: Map<string, string> } {
  const text = readFileSync(ZI, 'utf8');
  const zones: string[] = [];
  const links = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.split(/\s+/);
    if (f[0] === 'Z') zones.push(f[1] ?? '');
    if (f[0] === 'L') links.set(f[2] ?? '', f[1] ?? '');
  }
  return { version: /^# version (\S+)$/m.exec(text)?.[1] ?? '', zones, links };
}

describe.skipIf(!hasZi)(`time zones: the shipped list (tzdata ${TZDATA_VERSION}) against ${ZI}`, () => {
  it('has the same zones and links when the machine has the same tzdata version', () => {
    const zi = readZi();
    if (zi.version !== TZDATA_VERSION) {
      // A newer tzdata on the machine: the shipped list must still name only zones it has.
      console.log(`tzdata here is ${zi.version}, the list is ${TZDATA_VERSION}: regenerate with node provisioning/config/time-zones.gen.mjs`);
      for (const z of TIME_ZONES) expect(zi.zones.includes(z) || zi.links.has(z), z).toBe(true);
      return;
    }
    expect([...TIME_ZONES]).toEqual([...zi.zones].sort());
    expect(Object.keys(TIME_ZONE_LINKS).sort()).toEqual([...zi.links.keys()].sort());
    for (const [alias, target] of zi.links) expect(TIME_ZONE_LINKS[alias], alias).toBe(zi.links.get(target) ?? target);
  });

  it('every zone is a file in /usr/share/zoneinfo; every alias has the rules of the zone it is stored as', () => {
    for (const z of TIME_ZONES) expect(existsSync(join(ZONEINFO, z)), z).toBe(true);
    for (const [alias, zone] of Object.entries(TIME_ZONE_LINKS)) {
      if (!existsSync(join(ZONEINFO, alias))) continue; // an alias Debian moved to tzdata-legacy
      expect(readFileSync(join(ZONEINFO, alias)).equals(readFileSync(join(ZONEINFO, zone))), `${alias} -> ${zone}`).toBe(true);
    }
  });

  it('systemd-firstboot accepts every stored name and links /etc/localtime to it', () => {
    const stored = new Set([...TIME_ZONES, ...Object.keys(TIME_ZONE_LINKS)].map((tz) => {
      const v = validateConfig({ version: 1, timezone: tz });
      if (!v.ok) throw new Error(`${tz} refused: ${JSON.stringify(v.issues)}`);
      return v.config.timezone ?? '';
    }));
    expect(stored.size).toBe(TIME_ZONES.length);
    // One shell for all of them (a process per zone from Node costs more than the tool).
    const list = [...stored];
    const script = 'i=0; for tz in "$@"; do i=$((i+1)); systemd-firstboot --root="$D/$i" --timezone="$tz" || echo "refused $tz"; readlink "$D/$i/etc/localtime"; done';
    const r = shSync('sh', ['-c', script, 'sh', ...list], { env: { D: dir } });
    expect(r.stderr.split('\n').filter((l) => l !== '' && !/written/.test(l))).toEqual([]);
    expect(r.stdout.trim().split('\n')).toEqual(list.map((tz) => `../usr/share/zoneinfo/${tz}`));
    const bad = shSync('systemd-firstboot', [`--root=${join(dir, 'bad')}`, '--timezone=Mars/Olympus']);
    expect(bad.code).not.toBe(0);
  });
});
