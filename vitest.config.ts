// Test runner settings: unit tests are fast and pure; integration tests use real tools,
// loop devices and files, so they run one file at a time to keep loop/LVM state simple.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
