/**
 * Loaded by vitest before every test file (vitest.config.ts, vitest.e2e.config.mjs: setupFiles):
 * loop devices a test attached through testkit/loop.ts are detached after that test, the ones a
 * file attached in beforeAll after the file, whether the tests passed or not. These hooks are
 * registered first, so they run after the file's own afterEach/afterAll (which may unmount first).
 */
import { afterAll, afterEach, beforeEach } from 'vitest';
import { detachAll, loopTestEnded, loopTestStarted } from './loop.js';

beforeEach(() => {
  loopTestStarted();
});

afterEach(async () => {
  await loopTestEnded();
});

afterAll(async () => {
  await detachAll();
});
