#!/usr/bin/env node
// Entry point of the `3os-flash` CLI: the compiled engine lives in dist/ (built by `npm ci`/`npm run build`).
// Raise libuv's thread pool before any fs call so several targets can each keep writes in flight.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { main } = await import('../dist/main/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
