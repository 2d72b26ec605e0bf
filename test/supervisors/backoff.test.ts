import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/domain/random.js';
import { backoffDelay, baseDelay } from '../../src/supervisors/backoff.js';

const exact = { minMs: 100, maxMs: 1_000, jitter: 0 };
const half = { minMs: 100, maxMs: 1_000, jitter: 0.5 };

describe('the backoff before a restart', () => {
  it.each([
    // name, spec, attempt, random draw, delay
    ['the first restart waits minMs', exact, 0, 0.5, 100],
    ['the second doubles it', exact, 1, 0.5, 200],
    ['the fourth is minMs · 2³', exact, 3, 0.5, 800],
    ['the fifth is capped at maxMs', exact, 4, 0.5, 1_000],
    ['a huge attempt count stays at maxMs', exact, 10_000, 0.5, 1_000],
    ['a negative attempt count is treated as the first', exact, -3, 0.5, 100],
    ['minMs = maxMs gives a constant delay', { minMs: 250, maxMs: 250, jitter: 0 }, 7, 0.5, 250],
    ['minMs 0 means restart at once, whatever the attempt', { minMs: 0, maxMs: 1_000, jitter: 0.5 }, 10_000, 0.9, 0],
    ['jitter with a draw of 0 keeps the full delay', half, 1, 0, 200],
    ['jitter 0.5 with a draw of 1 takes half off', half, 1, 1, 100],
    ['jitter 0.5 with a draw of 0.5 takes a quarter off', half, 1, 0.5, 150],
    ['jitter 1 with a draw of 1 gives no delay', { minMs: 100, maxMs: 1_000, jitter: 1 }, 2, 1, 0],
    ['jitter applies below the cap, never above it', half, 9, 0, 1_000],
    ['a draw above 1 is clamped to 1', half, 1, 1.5, 100],
    ['a draw that is not a number counts as 0', half, 1, Number.NaN, 200],
    ['the delay is rounded to whole milliseconds', { minMs: 3, maxMs: 100, jitter: 0.5 }, 0, 0.5, 2],
  ])('%s', (_name, spec, attempt, draw, delay) => {
    expect(backoffDelay(spec, attempt, () => draw)).toBe(delay);
  });

  it.each([0, 1, 2, 3, 4, 5, 12])(
    'with a seeded random source, delays for attempt %d lie in [base·(1−jitter), base] and never exceed maxMs',
    (attempt) => {
      const spec = { minMs: 50, maxMs: 2_000, jitter: 0.3 };
      const random = seededRandom(42);
      const base = baseDelay(spec, attempt);
      for (let i = 0; i < 500; i += 1) {
        const d = backoffDelay(spec, attempt, random);
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.7));
        expect(d).toBeLessThanOrEqual(Math.min(base, spec.maxMs));
      }
    },
  );

  it('gives the same delays for the same seed', () => {
    const draw = (seed: number): number[] => {
      const random = seededRandom(seed);
      return [0, 1, 2, 3].map((a) => backoffDelay(half, a, random));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('does not draw from the random source when there is no jitter', () => {
    let draws = 0;
    backoffDelay(exact, 2, () => {
      draws += 1;
      return 0.5;
    });
    expect(draws).toBe(0);
  });
});
