/** No source file passes 300 lines without saying why in its header (docs/architecture.md, "Where things live"). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MAX_LINES = 300;

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

describe('source files', () => {
  it(`stay under ${MAX_LINES} lines, or say why in their header`, () => {
    const unexplained = [...sources('src'), ...sources('sim')].filter((f) => {
      const text = readFileSync(f, 'utf8');
      const lines = text.split('\n').length - 1;
      const header = text.slice(0, text.indexOf('*/') + 2);
      return lines > MAX_LINES && !/Over 300 lines/.test(header);
    });
    expect(unexplained).toEqual([]);
  });
});
