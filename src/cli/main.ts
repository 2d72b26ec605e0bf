/**
 * The `posguard` executable: parses the command line (`program.ts`), runs it (`runner.ts`),
 * and exits with a code that means something (`exit-codes.ts`) — never a stack trace.
 */
import { main } from './program.js';
import { defaultRunner } from './runner.js';

process.exitCode = await main(
  process.argv.slice(2),
  {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  },
  defaultRunner(),
);
