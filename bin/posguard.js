#!/usr/bin/env node
// The `posguard` command: the compiled CLI in dist/ (built by `npm install` through the
// `prepare` script, or `npm run build`), so that it starts on plain Node without compiling.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'posguard: dist/ is missing; build it with `npm run build` (npm install does it), or run `npm run posguard -- …` from the sources\n',
  );
  process.exit(2);
}
await import(main.href);
