// A build step: copies the Lua scripts (src/**/lua/*.lua) beside their compiled modules in dist/, which read them at load.
import { cpSync, statSync } from 'node:fs';

cpSync('src', 'dist', { recursive: true, filter: (path) => statSync(path).isDirectory() || path.endsWith('.lua') });
