/**
 * The declared dependency graph (.dependency-cruiser.cjs) really fails `npm run lint`: the exact
 * `lint:deps` command from package.json is run on a small tree laid out like this repository, once
 * clean (passes, including the imports the layers allow) and once with one wrong-way import per
 * rule and two cycles planted (fails, naming each). Plain files in a temp folder: no root needed.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

interface Violation {
  readonly rule: string;
  readonly from: string;
  /** Empty for a cycle (its path follows on the next lines). */
  readonly to: string;
}

/** The lint:deps script, run with the repo's config in `cwd`: its exit code and the errors it printed. */
function lintDeps(cwd: string): Promise<{ code: number; violations: Violation[]; output: string }> {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const script = pkg.scripts['lint:deps'] ?? '';
  const [tool, ...args] = script.split(/\s+/).filter((a) => a !== '');
  expect(tool).toBe('depcruise');
  const config = args.indexOf('--config');
  expect(config).toBeGreaterThanOrEqual(0);
  args[config + 1] = join(repo, args[config + 1] ?? '');
  const bin = join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, ...args], { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      if (code === -1) {
        reject(new Error(`depcruise did not run: ${stderr}`));
        return;
      }
      const violations = [...stdout.matchAll(/^\s*error ([\w-]+): (\S+) →(?: (\S+))?/gm)].map((m) => ({ rule: m[1] ?? '', from: m[2] ?? '', to: m[3] ?? '' }));
      resolve({ code, violations, output: stdout + stderr });
    });
  });
}

function put(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** Imports every layer is allowed to make. */
const CLEAN: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  'common/bytes.ts': 'export const MiB = 1024 * 1024;\n',
  'flasher/errors.ts': "import { MiB } from '../common/bytes.js';\nexport class FlashError extends Error {}\nexport const LIMIT = MiB;\n",
  'flasher/drives/types.ts': 'export interface Drive { readonly path: string }\n',
  'flasher/write/job.ts': "import { FlashError } from '../errors.js';\nexport const fail = (): FlashError => new FlashError('x');\n",
  'provisioning/partition/read.ts': "import { fail } from '../../flasher/write/job.js';\nexport const read = fail;\n",
  'main/ipc/contract.ts': "import type { Drive } from '../../flasher/drives/types.js';\nexport type Drives = readonly Drive[];\nexport const REQUESTS = ['listDrives'] as const;\n",
  'main/cli/main.ts': "import { read } from '../../provisioning/partition/read.js';\nimport { REQUESTS } from '../ipc/contract.js';\nexport const main = (): unknown => [read, REQUESTS];\n",
  'renderer/src/app.ts': "import type { Drive } from '../../flasher/drives/types.js';\nimport { MiB } from '../../common/bytes.js';\nimport { REQUESTS } from '../../main/ipc/contract.js';\nexport const names = (d: Drive): string => `${d.path}${REQUESTS.join()}${MiB}`;\n",
  'testkit/sh.ts': "import { main } from '../main/cli/main.js';\nexport const sh = main;\n",
  'bench/run.ts': "import { sh } from '../testkit/sh.js';\nimport { main } from '../main/cli/main.js';\nexport const run = [sh, main];\n",
  'test/helpers.ts': "import { sh } from '../testkit/sh.js';\nimport { run } from '../bench/run.js';\nexport const h = [sh, run];\n",
};

/** One wrong-way import per rule, and two cycles. */
const PLANTED: Record<string, string> = {
  'common/size.ts': "import { FlashError } from '../flasher/errors.js';\nexport const e = FlashError;\n",
  'common/os.ts': "import { EOL } from 'node:os';\nexport const eol = EOL;\n",
  'flasher/drives/detect.ts': "import { read } from '../../provisioning/partition/read.js';\nexport const d = read;\n",
  'provisioning/seed/seed.ts': "import { main } from '../../main/cli/main.js';\nexport const s = main;\n",
  'main/electron/window.ts': "import { names } from '../../renderer/src/app.js';\nexport const w = names;\n",
  'renderer/src/engine.ts': "import { fail } from '../../flasher/write/job.js';\nexport const e = fail;\n",
  'renderer/src/fs.ts': "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n",
  'bench/grow.ts': "import { h } from '../test/helpers.js';\nexport const g = h;\n",
  'flasher/source/a.ts': "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n",
  'flasher/source/b.ts': "import { a } from './a.js';\nexport const b = (): number => (a === undefined ? 0 : 1);\n",
  'provisioning/lvm/ta.ts': "import type { B } from './tb.js';\nexport interface A { readonly b?: B }\n",
  'provisioning/lvm/tb.ts': "import type { A } from './ta.js';\nexport interface B { readonly a?: A }\nexport const none: A = {};\n",
  'main/cli/gone.ts': "import { x } from './no-such-module.js';\nexport const y = x;\n",
};

let clean: string;
let planted: string;
let cleanRun: Awaited<ReturnType<typeof lintDeps>>;
let plantedRun: Awaited<ReturnType<typeof lintDeps>>;

beforeAll(async () => {
  clean = mkdtempSync(join(tmpdir(), 'deps-clean-'));
  planted = mkdtempSync(join(tmpdir(), 'deps-planted-'));
  put(clean, CLEAN);
  put(planted, { ...CLEAN, ...PLANTED });
  // Both at once: most of each run is loading the TypeScript parser.
  [cleanRun, plantedRun] = await Promise.all([lintDeps(clean), lintDeps(planted)]);
});

afterAll(() => {
  rmSync(clean, { recursive: true, force: true });
  rmSync(planted, { recursive: true, force: true });
});

describe('npm run lint: the dependency rules', () => {
  it('pass the imports the layers allow (down the stack, renderer types, testkit shared by test and bench)', () => {
    const r = cleanRun;
    expect(r.violations).toEqual([]);
    expect(r.output).toMatch(/no dependency violations found/);
    expect(r.code).toBe(0);
  });

  it('fail on each wrong-way import and on cycles, naming the rule and the file', () => {
    const r = plantedRun;
    const seen = new Set(r.violations.map((v) => `${v.rule}: ${v.from} -> ${v.to}`));
    for (const want of [
      'common-is-pure: common/size.ts -> flasher/errors.ts',
      'common-no-node: common/os.ts -> os',
      'flasher-is-the-bottom-layer: flasher/drives/detect.ts -> provisioning/partition/read.ts',
      'provisioning-below-the-app: provisioning/seed/seed.ts -> main/cli/main.ts',
      'main-never-imports-the-ui: main/electron/window.ts -> renderer/src/app.ts',
      'renderer-only-types-from-below: renderer/src/engine.ts -> flasher/write/job.ts',
      'renderer-no-node: renderer/src/fs.ts -> fs',
      'bench-not-test: bench/grow.ts -> test/helpers.ts',
      'not-to-unresolvable: main/cli/gone.ts -> ./no-such-module.js',
    ]) {
      expect(seen).toContain(want);
    }
    const cycles = r.violations.filter((v) => v.rule.startsWith('no-circular'));
    expect(cycles.some((v) => v.rule === 'no-circular' && v.from.startsWith('flasher/source/'))).toBe(true);
    // A cycle made only of type imports is caught too, by its own rule.
    expect(cycles.some((v) => v.rule === 'no-circular-types' && v.from.startsWith('provisioning/lvm/'))).toBe(true);
    expect(cycles.some((v) => v.rule === 'no-circular' && v.from.startsWith('provisioning/lvm/'))).toBe(false);
    // Nothing else: the clean part of the tree stays clean, and the exit code counts the errors.
    expect(r.violations.filter((v) => !(v.from in PLANTED))).toEqual([]);
    expect(r.code).toBe(r.violations.length);
  });
});
