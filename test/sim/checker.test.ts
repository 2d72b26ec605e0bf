/**
 * The checker's own rules where they are not obvious: who may close a position without it
 * being a false rollback. Runs on the in-process venue, as the simulation does.
 */
import { describe, expect, it } from 'vitest';
import { Checker, type WorldFacts } from '../../sim/checker.js';
import { SimClock } from '../../sim/sim-clock.js';
import { clientOrderId } from '../../src/domain/client-order-id.js';
import { parsePositionId } from '../../src/domain/ids.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';

const START = 1_764_000_000_000;
const symbol = 'AVL/USDT:USDT';
const bots = parsePositionId('7GQ330CB5B3SFD8QFSV03YGSAN');
const orphan = parsePositionId('01KAV9G6RYREM47P9J3WGRZDM7');

/** A bot's position filled, then closed by a close order of a position no intent opened (an orphan's flatten). */
async function flattenedAsOrphan(orphanPolicy: WorldFacts['orphanPolicy']) {
  const clock = new SimClock(START);
  const venue = new SimExchange({ clock, seed: 1 });
  const checker = new Checker(venue, {
    intentOf: (pid) => (pid === bots ? { amount: 41, stop: false, account: 'a1', symbol } : undefined),
    closeAsked: () => false,
    touchedByOthers: () => false,
    orphanPolicy,
    start: START,
  });
  venue.observe((c) => checker.onChange(c));
  const port = createSimPort(venue, 'a1');
  const order = { symbol, type: 'market', amount: 41 } as const;
  await port.createOrder({ ...order, side: 'sell', clientOrderId: clientOrderId(bots, 'entry'), reduceOnly: false });
  await port.createOrder({ ...order, side: 'buy', clientOrderId: clientOrderId(orphan, 'close-1'), reduceOnly: true });
  checker.settle(
    [{ id: bots, account: 'a1', symbol, side: 'sell', state: 'closed', size: 0 }],
    [{ kind: 'orphan', account: 'a1', symbol, positionId: undefined, at: 0 }],
    ['a1'],
  );
  return checker.violations.map((v) => v.invariant);
}

describe('the checker', () => {
  // Seeds 1238 and 6378: a store wipe made posguard forget a bot's position; the orphan sweep
  // flattened it by the `flatten` policy, the operator's standing order. That is a close by an
  // operator, not a false rollback.
  it('counts an orphan flattened by the flatten policy as an operator closing the position', async () => {
    expect(await flattenedAsOrphan('flatten')).not.toContain('no-false-rollback');
  });

  it('still blames a close of the position by posguard that no policy, user or venue asked for', async () => {
    expect(await flattenedAsOrphan('alert')).toContain('no-false-rollback');
  });
});
