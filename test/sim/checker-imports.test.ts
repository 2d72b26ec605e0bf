import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const FORBIDDEN = [/^src\/guard\//, /^src\/machines\//, /^src\/persistence\//, /registry/];

/** Every module the file imports (relative imports only, followed transitively). */
function importsOf(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  for (const m of text.matchAll(/(?:import|export)[^'"]*from\s+'(\.[^']+)'/g)) {
    const target = relative(ROOT, resolve(join(ROOT, dirname(file)), (m[1] ?? '').replace(/\.js$/, '.ts')));
    importsOf(target, seen);
  }
  return seen;
}

describe('the invariant checker', () => {
  it('imports nothing from the guard, the machines, the persistence or the registry, even through what it imports', () => {
    const modules = [...importsOf('sim/checker.ts')];
    expect(modules.length).toBeGreaterThan(3);
    const bad = modules.filter((m) => FORBIDDEN.some((f) => f.test(m)));
    expect(bad).toEqual([]);
  });

  it('would notice such an import (the rule itself can fail)', () => {
    const modules = [...importsOf('sim/runner.ts')];
    expect(modules.filter((m) => FORBIDDEN.some((f) => f.test(m))).length).toBeGreaterThan(0);
  });
});
