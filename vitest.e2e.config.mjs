// End-to-end journeys (npm run test:e2e): boot the reference image in QEMU (TCG). Slow, so they
// are kept out of the default `npm test` (their files end in .e2e.ts, not .test.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    setupFiles: ['testkit/vitest-setup.ts'],
    reporters: ['default'],
  },
});
