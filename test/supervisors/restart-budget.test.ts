import { describe, expect, it } from 'vitest';
import { recentRestarts, recordRestart } from '../../src/supervisors/restart-budget.js';

describe('the restart budget (intensity restarts per period)', () => {
  it.each([
    // name, history, now, intensity, periodMs, allowed, history after
    ['the first restart with an empty history is allowed', [], 0, 3, 1_000, true, [0]],
    ['exactly `intensity` restarts within the window are allowed', [100, 200], 300, 3, 1_000, true, [100, 200, 300]],
    ['one more than `intensity` within the window is refused', [100, 200, 300], 400, 3, 1_000, false, [100, 200, 300]],
    [
      'a restart exactly `periodMs` ago has dropped out of the window',
      [0, 500, 600],
      1_000,
      3,
      1_000,
      true,
      [500, 600, 1_000],
    ],
    ['a restart 1 ms short of `periodMs` ago still counts', [1, 500, 600], 1_000, 3, 1_000, false, [1, 500, 600]],
    ['restarts older than the window drop out of the history', [0, 10, 20], 5_000, 3, 1_000, true, [5_000]],
    ['intensity 0 never allows a restart', [], 0, 0, 1_000, false, []],
    ['intensity 0 refuses even long after the last restart', [0], 1_000_000, 0, 1_000, false, []],
    ['intensity 1: a second restart within the period is refused', [0], 999, 1, 1_000, false, [0]],
    ['intensity 1: a second restart one period later is allowed', [0], 1_000, 1, 1_000, true, [1_000]],
    ['restarts in the same millisecond each count', [5, 5], 5, 3, 1_000, true, [5, 5, 5]],
    ['restarts in the same millisecond exhaust the budget', [5, 5, 5], 5, 3, 1_000, false, [5, 5, 5]],
  ])('%s', (_name, history, now, intensity, periodMs, allowed, after) => {
    const verdict = recordRestart(history, now, intensity, periodMs);
    expect(verdict.allowed).toBe(allowed);
    expect(verdict.history).toEqual(after);
  });

  it('leaves the history it was given unchanged', () => {
    const history = Object.freeze([100, 200]);
    recordRestart(history, 300, 3, 1_000);
    expect(history).toEqual([100, 200]);
  });

  it('allows intensity restarts in every sliding window of a steady crash loop, and refuses the rest', () => {
    // A child that crashes every 100 ms under 3 restarts per 1000 ms.
    let history: number[] = [];
    const verdicts: boolean[] = [];
    for (let t = 0; t < 2_000; t += 100) {
      const v = recordRestart(history, t, 3, 1_000);
      verdicts.push(v.allowed);
      if (v.allowed) history = v.history;
    }
    // allowed at 0, 100, 200; refused until 0 drops out at 1000; then 1000, 1100, 1200.
    expect(verdicts.map((a, i) => (a ? i * 100 : null)).filter((t) => t !== null)).toEqual([
      0, 100, 200, 1_000, 1_100, 1_200,
    ]);
  });

  it.each([
    [[0, 5_000, 9_000], 10_000, 5_000, [9_000]],
    [[], 10, 5, []],
    [[1, 2, 3], 3, 10, [1, 2, 3]],
  ])('recentRestarts(%j, now %d, period %d) keeps %j', (history, now, periodMs, kept) => {
    expect(recentRestarts(history, now, periodMs)).toEqual(kept);
  });
});
