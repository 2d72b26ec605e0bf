import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { PositionId } from '../../src/domain/ids.js';
import { PositionWriter } from '../../src/persistence/position-writer.js';
import type { SnapshotWrite } from '../../src/persistence/redis-store.js';

const ID = '01KAV9FT00S2W2PNG4M2S684R5' as PositionId;
const write = (state: string, at: number, n: number): SnapshotWrite => ({
  positionId: ID,
  state,
  final: false,
  snapshot: { n },
  at,
  event: { type: `E${n}`, payload: null },
});

/** A store that answers each write when the test says so, and records what it was given. */
function slowStore() {
  const written: number[] = [];
  const pending: (() => void)[] = [];
  return {
    written,
    answer: async () => {
      while (pending.length > 0) {
        pending.shift()?.();
        await Promise.resolve();
        await Promise.resolve();
      }
    },
    target: {
      save: (w: SnapshotWrite) =>
        new Promise<void>((resolve) => {
          written.push((w.snapshot as { n: number }).n);
          pending.push(resolve);
        }),
    },
  };
}

describe('the position writer', () => {
  it('writes every state change in order, and the latest context-only snapshot after them, even at the same time', async () => {
    const store = slowStore();
    const writer = new PositionWriter(store.target, new SimulatedClock());
    writer.save(write('pending', 100, 1), true); // in flight
    writer.save(write('pending', 100, 2), false); // superseded by 3
    writer.save(write('open', 100, 3), true);
    writer.save(write('open', 100, 4), false); // superseded by 5
    writer.save(write('open', 100, 5), false); // newer than the transition before it: written
    await store.answer();
    await store.answer();
    await writer.flushed();
    expect(store.written).toEqual([1, 3, 5]);
  });
});
