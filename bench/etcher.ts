/**
 * etcher-sdk as a reference for the benchmark: installed by the bench into a folder of its own
 * (never a project dependency), then driven by a small script that writes and verifies an image
 * to a block device the way Etcher does (pipeSourceToDestinations with verify).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { shOk } from '../testkit/sh.js';

const VERSION = '10.2.15';

/** The folder etcher-sdk lives in (kept between runs; `BENCH_ETCHER_DIR` overrides it). */
export function etcherDir(): string {
  return process.env.BENCH_ETCHER_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), '3os-flasher-bench', `etcher-sdk-${VERSION}`);
}

const SCRIPT = `// Written by 3os Flasher's bench: etcher-sdk write + verify of a raw image to a block device.
const { sourceDestination, multiWrite } = require('etcher-sdk');
const [image, device, size] = process.argv.slice(2);
const drive = { raw: device, device, devicePath: null, description: 'bench', size: Number(size), mountpoints: [],
  isReadOnly: false, isSystem: false, isRemovable: true, isVirtual: false, busType: 'USB', logicalBlockSize: 512, displayName: device, icon: null, partitionTableType: null };
(async () => {
  const source = new sourceDestination.File({ path: image });
  const dest = new sourceDestination.BlockDevice({ drive, unmountOnSuccess: false, write: true, direct: true, keepOriginal: false });
  let failed;
  const r = await multiWrite.pipeSourceToDestinations({ source, destinations: [dest], verify: true, numBuffers: 16,
    onFail: (_d, e) => { failed = e; }, onProgress: () => undefined });
  if (failed !== undefined || r.failures.size > 0) { console.error(String(failed ?? [...r.failures.values()][0])); process.exit(1); }
})().catch((e) => { console.error(e); process.exit(1); });
`;

/** Install etcher-sdk (once) and return the path of the script that drives it. */
export async function ensureEtcher(): Promise<string> {
  const dir = etcherDir();
  const script = join(dir, 'write-verify.cjs');
  if (!existsSync(join(dir, 'node_modules', 'etcher-sdk', 'package.json'))) {
    process.stderr.write(`installing etcher-sdk ${VERSION} into ${dir} (a folder of its own, not a project dependency)...\n`);
    await mkdir(dir, { recursive: true });
    // etcher-sdk pins unbzip2-stream to a GitHub commit; the registry's release stands in (only the
    // npm registry is reachable here, and the bench never decodes bzip2 through it).
    await writeFile(join(dir, 'package.json'), '{ "name": "3os-bench-etcher", "private": true, "overrides": { "unbzip2-stream": "1.4.3" } }\n');
    await shOk('npm', ['install', '--no-audit', '--no-fund', '--no-save', `etcher-sdk@${VERSION}`], { cwd: dir, timeoutMs: 10 * 60_000 });
  }
  await writeFile(script, SCRIPT);
  return script;
}
