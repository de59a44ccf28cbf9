/**
 * `npm run dev:web`: the app's UI in a browser, over the real backend, without Electron.
 * Flashing runs in this process (no privileged helper), so writing drives needs root.
 *
 *   node dist/main/dev-bridge/cli.js [--port N]
 *
 * Prints the URL (with its token) to open in a browser on this machine.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { createBackend } from '../backend/backend.js';
import { runPlanDirect } from '../backend/direct-runner.js';
import { startDevBridge } from './server.js';

const appDir = fileURLToPath(new URL('../../../', import.meta.url));

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' } } });
  const dataDir = process.env.THREEOS_DATA_DIR ?? join(homedir(), '.config', '3os-flasher-web');
  const reports = join(dataDir, 'reports');
  const backend = createBackend({
    mode: 'web',
    version: process.env.npm_package_version ?? '0.0.0',
    runPlan: runPlanDirect,
    dataDir,
    features: { seed: true, grow: true, filePicker: false },
    saveFile: async (name, content) => {
      await mkdir(reports, { recursive: true, mode: 0o700 });
      const path = join(reports, name);
      await writeFile(path, content, { mode: 0o600 });
      return path;
    },
  });
  const bridge = await startDevBridge({ backend, rendererDir: join(appDir, 'dist', 'renderer'), port: values.port === undefined ? 0 : Number(values.port), log: (l) => process.stderr.write(`${l}\n`) });
  if (process.getuid?.() !== 0) process.stderr.write('note: not running as root: drives can be listed but not written\n');
  process.stdout.write(`3os Flasher (web) at ${bridge.url}\n`);
  const stop = (): void => {
    void backend
      .close()
      .then(() => bridge.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`dev bridge: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
