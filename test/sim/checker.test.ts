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

/**
 * A bot's short, turned long by another program while the stream was down, then a reduce-only
 * buy close of posguard's (refused by the venue) planned from a REST read lagging `lagMs`.
 */
async function closedAgainstAFlip(lagMs: number) {
  const clock = new SimClock(START);
  const venue = new SimExchange({ clock, seed: 1 });
  const checker = new Checker(venue, {
    intentOf: (pid) => (pid === bots ? { amount: 46, stop: false, account: 'a1', symbol } : undefined),
    closeAsked: () => true,
    touchedByOthers: () => true,
    orphanPolicy: 'alert',
    start: START,
    restLagBeyond: () => lagMs,
    streamDown: () => true,
  });
  venue.observe((c) => checker.onChange(c));
  const port = createSimPort(venue, 'a1');
  const order = { symbol, type: 'market', amount: 46 } as const;
  await port.createOrder({ ...order, side: 'sell', clientOrderId: clientOrderId(bots, 'entry'), reduceOnly: false });
  while (clock.step(START + 10_000));
  venue.openExternalPosition('a1', symbol, 'buy', 80);
  while (clock.step(START + 15_000));
  const close = await port.createOrder({
    ...order,
    side: 'buy',
    clientOrderId: clientOrderId(bots, 'close-1'),
    reduceOnly: true,
  });
  expect(close.kind).toBe('rejected');
  checker.settle([{ id: bots, account: 'a1', symbol, side: 'sell', state: 'orphanAlert', size: 34 }], [], ['a1']);
  return checker.violations.map((v) => v.invariant);
}

describe('the checker', () => {
  // Seed 259 (--bursts): REST lagging 16.5 s (beyond restLagMs) while the stream was down; no
  // source of posguard's could show the flip, the venue refused the reduce-only close.
  it('does not blame a refused reduce-only close that is right for all any source could show (REST lagging beyond restLagMs, the stream down)', async () => {
    expect(await closedAgainstAFlip(16_000)).not.toContain('closes-reduce-only');
  });

  it('blames it when a read could have shown the flip (the REST lag within what posguard waits for)', async () => {
    expect(await closedAgainstAFlip(0)).toContain('closes-reduce-only');
  });

  // Seeds 1238 and 6378: a store wipe made posguard forget a bot's position; the orphan sweep
  // flattened it by the `flatten` policy, the operator's standing order. That is a close by an
  // operator, not a false rollback.
  it('counts an orphan flattened by the flatten policy as an operator closing the position', async () => {
    expect(await flattenedAsOrphan('flatten')).not.toContain('no-false-rollback');
  });

  it('still blames a close of the position by posguard that no policy, user or venue asked for', async () => {
    expect(await flattenedAsOrphan('alert')).toContain('no-false-rollback');
  });

  // Seed 321 (--bursts): a standby trying to take an account whose holder died was refused for
  // its rate limit for half a minute and said so. That alert is about its own requests.
  it('takes a rateLimited alert of a worker that does not hold the account as the truth about that worker', async () => {
    const speakers = (kind: string) => {
      const clock = new SimClock(START);
      const checker = new Checker(new SimExchange({ clock, seed: 1 }), {
        intentOf: () => undefined,
        closeAsked: () => false,
        touchedByOthers: () => false,
        orphanPolicy: 'alert',
        start: START,
      });
      checker.onLease('w1', 'a1', true);
      checker.onAlert('w2', { kind, account: 'a1', symbol: undefined, positionId: undefined, at: 0 });
      checker.settle([], [], ['a1']);
      return checker.violations.map((v) => v.invariant);
    };
    expect(speakers('rateLimited')).toEqual([]);
    expect(speakers('orphan')).toEqual(['alerts-true']); // about the account's positions: only its holder may say it
  });

  // Wire seed 19: the bot's `open` reached a worker that journalled the intent, then was stalled
  // and killed before it answered; its successor sent the entry. The bot asked for it: no doubling.
  it('counts an entry of a position whose intent the bot sent but was never answered for (the worker died answering)', async () => {
    const entered = async (askedUnanswered: WorldFacts['askedUnanswered'], amount = 41) => {
      const clock = new SimClock(START);
      const venue = new SimExchange({ clock, seed: 1 });
      const checker = new Checker(venue, {
        intentOf: () => undefined,
        closeAsked: () => false,
        touchedByOthers: () => false,
        orphanPolicy: 'alert',
        start: START,
        ...(askedUnanswered === undefined ? {} : { askedUnanswered }),
      });
      venue.observe((c) => checker.onChange(c));
      await createSimPort(venue, 'a1').createOrder({
        symbol,
        type: 'market',
        amount,
        side: 'buy',
        clientOrderId: clientOrderId(bots, 'entry'),
        reduceOnly: false,
      });
      checker.settle([{ id: bots, account: 'a1', symbol, side: 'buy', state: 'open', size: amount }], [], ['a1']);
      return checker.violations.map((v) => v.invariant);
    };
    const oneUnanswered = (asked: number): WorldFacts['askedUnanswered'] => {
      let claimedBy: string | undefined;
      return (pid, account, sym, filled) => {
        if (account !== 'a1' || sym !== symbol || filled > asked || (claimedBy ?? pid) !== pid) return false;
        claimedBy = pid;
        return true;
      };
    };
    expect(await entered(oneUnanswered(41))).not.toContain('no-doubling');
    expect(await entered(undefined)).toContain('no-doubling');
    expect(await entered(oneUnanswered(20))).toContain('no-doubling'); // filled beyond what was asked
  });
});
