/** Lua lives in `.lua` files (docs/architecture.md, "Persistence and ownership"), each opening with what it reads and answers. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .map((f) => join(dir, f));
}

describe('Lua scripts', () => {
  const luaFiles = filesUnder('src', '.lua');

  it('are files of their own', () => {
    expect(luaFiles.length).toBeGreaterThanOrEqual(5);
    const inlined = filesUnder('src', '.ts').filter((f) =>
      /^\s*(local|return|if)\b.*redis\.call\(/m.test(readFileSync(f, 'utf8')),
    );
    expect(inlined).toEqual([]);
  });

  it.each(luaFiles)('%s opens with its name, keys, arguments and result', (file) => {
    const header = readFileSync(file, 'utf8').split('\n\n')[0] ?? '';
    expect(header.split('\n').every((line) => line.startsWith('--'))).toBe(true);
    expect(header).toMatch(/^-- [a-z][A-Za-z]+\n/);
    expect(header).toMatch(/KEYS/);
    expect(header).toMatch(/ARGV/);
    expect(header).toMatch(/Returns|[Rr]eplies/);
  });
});
