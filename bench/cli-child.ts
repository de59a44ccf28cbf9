/** Runs the CLI in this process and reports its peak RSS on stderr, for the benchmark. */
import { main } from '../main/cli/main.js';

const code = await main(process.argv.slice(2));
process.stderr.write(`MAXRSS=${process.resourceUsage().maxRSS}\n`);
process.exit(code);
