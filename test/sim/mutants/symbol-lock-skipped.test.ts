/** Mutant: the symbol lock skipped — an intent on a symbol that a position holds is let through. Substituted from here, never switched in src. */
import { describe, expect, it, vi } from 'vitest';
import type * as SymbolLocksModule from '../../../src/guard/symbol-locks.js';
import { firstViolation } from '../fixed-seeds.js';

vi.mock('../../../src/guard/symbol-locks.js', async (importOriginal) => {
  const real = await importOriginal<typeof SymbolLocksModule>();
  class SkippedLocks extends real.SymbolLocks {
    override reserve(symbol: string): InstanceType<typeof real.Reservation> | undefined {
      return super.reserve(symbol) ?? new real.Reservation(symbol);
    }
    override commit(): void {}
  }
  return { ...real, SymbolLocks: SkippedLocks };
});

describe('mutant: the symbol lock skipped', () => {
  it('is caught within the fixed seeds', async () => {
    const found = await firstViolation();
    expect(found, 'no seed caught the mutant').toBeDefined();
  }, 240_000);
});
