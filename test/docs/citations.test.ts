/**
 * Code comments point at the design by the sections of `docs/architecture.md`, never at a
 * document the repository does not contain: every section a comment names exists, and no
 * comment cites DESIGN.md (the design the project started from lives outside the repository).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOTS = ['src', 'test', 'bench', 'bin'];
const SELF = join('test', 'docs', 'citations.test.ts');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|js|mjs)$/.test(name) && path !== SELF ? [path] : [];
  });
}

const sources = ROOTS.flatMap(files).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
const headings = readFileSync('docs/architecture.md', 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('## '))
  .map((l) => l.slice(3).trim());

describe('citations of the design', () => {
  it('no comment cites DESIGN.md or a DESIGN section (it is not in the repository)', () => {
    const cites = sources.filter((s) => /\bDESIGN\b/.test(s.text)).map((s) => s.path);
    expect(cites).toEqual([]);
  });

  it('every section of docs/architecture.md a comment names exists', () => {
    const missing: string[] = [];
    let count = 0;
    for (const { path, text } of sources) {
      // A comment wrapped over lines reads as one line.
      const flat = text.replace(/\n\s*(\*|\/\/)\s?/g, ' ');
      for (const m of flat.matchAll(/docs\/architecture\.md, "?([^\n]*)/g)) {
        count += 1;
        // One or more sections, separated by "; ": each must be a heading.
        let rest = m[1] ?? '';
        for (;;) {
          const heading = headings.filter((h) => rest.startsWith(h)).sort((a, b) => b.length - a.length)[0];
          if (heading === undefined) {
            missing.push(`${path}: "${rest.slice(0, 40)}"`);
            break;
          }
          rest = rest.slice(heading.length);
          const next = /^; /.exec(rest);
          if (next === null || !headings.some((h) => rest.slice(2).startsWith(h))) break;
          rest = rest.slice(2);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(count).toBeGreaterThan(20);
  });
});
