// Test runner settings: unit tests are fast and pure; integration tests use real tools,
// loop devices and files, so they run one file at a time to keep loop/LVM state simple.
// Two projects: `node` (every *.test.ts, as before) and `renderer` (React component tests in
// test/unit/renderer, *.test.tsx, in happy-dom). testkit/vitest-setup.ts detaches, after every test
// and every file, the loop devices a node test attached through testkit/loop.ts.
import react from '@vitejs/plugin-react';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/unit/renderer/**'], environment: 'node', setupFiles: ['testkit/vitest-setup.ts'] },
      },
      {
        extends: true,
        plugins: [react()],
        test: { name: 'renderer', include: ['test/unit/renderer/**/*.test.{ts,tsx}'], environment: 'happy-dom' },
      },
    ],
  },
});
