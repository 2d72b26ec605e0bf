/**
 * The guard's public API validates position ids (see docs/architecture.md, Public contracts): a
 * string that is no position id (a ULID) is refused with `UnknownPosition` by every method that
 * takes one, as `position()` and `close()` do, instead of being looked up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import { createGuard, type Guard } from '../../src/guard/guard.js';

const AVL = 'AVL/USDT:USDT';
let guard: Guard | undefined;
let sim: SimExchange | undefined;
afterEach(async () => {
  await guard?.stop();
  sim?.close();
  guard = undefined;
  sim = undefined;
});

describe('a string that is no position id', () => {
  it('is refused with UnknownPosition by stateOf and inspectPosition, like position() and close()', async () => {
    sim = new SimExchange({ clock: systemClock, seed: 3 });
    sim.setPrice(AVL, 0.25);
    guard = await createGuard(
      { accounts: [{ id: 'main', exchange: 'sim' }], verification: { restLagMs: 50 } },
      { sim, clock: systemClock, persistence: 'memory' },
    );
    const pos = await guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    await pos.settled({ timeoutMs: 10_000 });
    for (const raw of ['not-an-id', `${pos.id}:history`, pos.id.toLowerCase(), '']) {
      await expect(guard.stateOf(raw)).rejects.toMatchObject({ code: 'UNKNOWN_POSITION' });
      expect(() => guard?.inspectPosition(raw)).toThrow(expect.objectContaining({ code: 'UNKNOWN_POSITION' }));
      expect(() => guard?.position(raw)).toThrow(expect.objectContaining({ code: 'UNKNOWN_POSITION' }));
      await expect(guard.close(raw)).rejects.toMatchObject({ code: 'UNKNOWN_POSITION' });
    }
    // A real id is answered as before.
    expect(await guard.stateOf(pos.id)).toBe('open');
    expect(guard.inspectPosition(pos.id)?.orders.length).toBeGreaterThan(0);
  });
});
