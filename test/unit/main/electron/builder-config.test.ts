// electron-builder.yml checked against what the app needs, since packaging cannot run here:
// electron-builder's own schema validation, the targets, the fuses, and that every file the
// package must carry exists (or is produced by the build scripts).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../../../../', import.meta.url);
const config = parse(readFileSync(new URL('electron-builder.yml', root), 'utf8')) as Record<string, unknown>;
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { main: string; scripts: Record<string, string> };

type Target = { target: string; arch: string[] };
const targets = (os: string): Target[] => ((config[os] as { target: Target[] }).target ?? []);

describe('electron-builder.yml', () => {
  it("passes electron-builder's own configuration schema", async () => {
    const require = createRequire(import.meta.url);
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration: (c: unknown, log: { isEnabled: boolean; add: () => void }) => Promise<void>;
    };
    await expect(validateConfiguration(config, { isEnabled: false, add: () => undefined })).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, electronFuses: { runAsNod: false } }, { isEnabled: false, add: () => undefined })).rejects.toThrow();
  });
  it('builds AppImage + deb, dmg for x64 and arm64, nsis for x64 and arm64', () => {
    expect(targets('linux').map((t) => t.target).sort()).toEqual(['AppImage', 'deb']);
    expect(targets('mac')).toEqual([{ target: 'dmg', arch: ['x64', 'arm64'] }]);
    expect(targets('win')).toEqual([{ target: 'nsis', arch: ['x64', 'arm64'] }]);
  });
  it('flips the fuses: no RunAsNode, no NODE_OPTIONS, cookie encryption, ASAR integrity', () => {
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
  it('packages the main entry, the helper entry, the preload, the renderer and the agent', () => {
    const files = config.files as string[];
    for (const need of ['dist/main/**/*.js', 'dist/preload/preload.cjs', 'dist/renderer/**/*']) expect(files).toContain(need);
    expect(pkg.main).toBe('dist/main/electron/main.js');
    // Sources of what the globs must pick up exist, and the build scripts produce the rest.
    for (const src of ['main/electron/main.ts', 'main/helper/entry.ts', 'main/preload/preload.ts', 'renderer/index.html']) expect(existsSync(new URL(src, root))).toBe(true);
    expect(pkg.scripts['build:app']).toMatch(/build:renderer/);
    expect(pkg.scripts['build:app']).toMatch(/build:preload/);
    const extra = config.extraResources as { from: string; to: string }[];
    expect(extra).toContainEqual({ from: 'assets/agent', to: 'agent' });
    expect(existsSync(new URL('assets/agent/3os-agent.sh', root))).toBe(true);
  });
});
