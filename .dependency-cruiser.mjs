/**
 * The declared dependency graph, checked by `npm run lint` (`npm run lint:deps`):
 *
 *   renderer -> main -> provisioning -> flasher -> common
 *
 * An arrow means "may import". Nothing imports upwards: flasher/ (the engine) knows nothing of
 * 3os provisioning, the app or the CLI; provisioning/ knows nothing of the app; main/ never imports
 * the UI. The renderer imports main/ipc's pure modules (channels, contract, error text) and
 * anything else only as types (the same rule ESLint enforces per import in eslint.config.js).
 * common/ holds pure modules every layer may import, the renderer included: it imports nothing of
 * the project and no Node built-in.
 * bench/ and test/ may import any layer; testkit/ (the real-tool runner, loop devices, the 3os
 * image builder) is shared by both, and bench/ never imports test/. No product code imports
 * test/, testkit/ or bench/. And no import cycle anywhere, type-only imports included.
 *
 * test/unit/repo/dependency-rules.test.ts shows each rule failing on a planted wrong-way import.
 */

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle at run time: split the shared piece into a module both sides import.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-types',
      severity: 'error',
      comment: 'An import cycle through a type-only import: move the type to a module both sides import.',
      from: {},
      to: { circular: true, via: { dependencyTypes: ['type-only'] } },
    },
    {
      name: 'common-is-pure',
      severity: 'error',
      comment: 'common/ is imported by every layer, the renderer too: it imports only common/ and packages.',
      from: { path: '^common/' },
      to: { path: '^(flasher|provisioning|main|renderer|bench|test|testkit)/' },
    },
    {
      name: 'common-no-node',
      severity: 'error',
      comment: 'common/ runs in the renderer too: no Node built-ins.',
      from: { path: '^common/' },
      to: { dependencyTypes: ['core'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'flasher-is-the-bottom-layer',
      severity: 'error',
      comment: 'flasher/ (the engine) imports only flasher/: inject what it needs from above (e.g. detect3os, readImageInfo).',
      from: { path: '^flasher/' },
      to: { path: '^(provisioning|main|renderer|bench|test|testkit)/' },
    },
    {
      name: 'provisioning-below-the-app',
      severity: 'error',
      comment: 'provisioning/ imports only flasher/ and itself: it never depends on the app, the CLI or the UI.',
      from: { path: '^provisioning/' },
      to: { path: '^(main|renderer|bench|test|testkit)/' },
    },
    {
      name: 'main-never-imports-the-ui',
      severity: 'error',
      comment: 'main/ (Electron main, helper, CLI, backend) does not import the renderer or test code.',
      from: { path: '^main/' },
      to: { path: '^(renderer|bench|test|testkit)/' },
    },
    {
      name: 'renderer-only-types-from-below',
      severity: 'error',
      comment: 'The renderer imports engine and backend code only as types; at run time it uses main/ipc\'s pure modules and the preload API.',
      from: { path: '^renderer/src/' },
      to: {
        path: '^(flasher|provisioning|main)/',
        pathNot: '^main/ipc/(channels|contract|contract-types|error-text|wire)\\.ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'renderer-no-node',
      severity: 'error',
      comment: 'The renderer runs in a sandboxed page: no Node built-ins.',
      from: { path: '^renderer/src/' },
      to: { dependencyTypes: ['core'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'bench-not-test',
      severity: 'error',
      comment: 'bench/ ships in the build and must not import test/: shared helpers live in testkit/.',
      from: { path: '^bench/' },
      to: { path: '^test/' },
    },
    {
      name: 'testkit-not-test',
      severity: 'error',
      comment: 'testkit/ is imported by bench/ too, so it must not import test/.',
      from: { path: '^testkit/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve to a file or a package.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|coverage)/|/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    moduleSystems: ['es6', 'cjs'],
    reporterOptions: { text: { highlightFocused: true } },
  },
};
