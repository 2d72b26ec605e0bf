/**
 * The request budget's headroom (see docs/architecture.md, Request budget): what is left of each
 * limit an account draws from, read by `/metrics` as `posguard_request_budget_remaining`.
 */
import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { LimitBudget } from '../../src/budget/host-budget.js';
import { RequestScheduler } from '../../src/budget/request-scheduler.js';
import { scheduledPort } from '../../src/budget/scheduled-port.js';
import { venueLimits } from '../../src/budget/venue-limits.js';
import { asClientOrderId } from '../../src/domain/ids.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import { AccountBoard } from '../../src/service/account-board.js';
import { createMetrics } from '../../src/service/metrics.js';

const T0 = 1_764_000_000_000;
const AVL = 'AVL/USDT:USDT';

describe('the request budget headroom', () => {
  it("is each limit's capacity less what the account's requests took, refilled with time (Bybit's limits)", async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const limits = venueLimits('bybit');
    const venue = new SimExchange({ clock, seed: 1 });
    venue.setPrice(AVL, 0.25);
    const scheduler = new RequestScheduler({
      account: 'main',
      limits,
      host: LimitBudget.of('api.bybit.test', limits, 'host', clock.now()),
      clock,
    });
    const port = scheduledPort(createSimPort(venue, 'main'), scheduler, limits, 'query');
    const full = scheduler.headroom();
    expect(full).toEqual([
      { limit: 'account', scope: 'account', remaining: 50, capacity: 50 },
      { limit: 'orders', scope: 'account', remaining: 10, capacity: 10 },
      { limit: 'ip', scope: 'host', remaining: 600, capacity: 600 },
    ]);
    for (let i = 0; i < 3; i += 1)
      await port.createOrder({
        symbol: AVL,
        side: 'buy',
        type: 'market',
        amount: 43,
        clientOrderId: asClientOrderId(`pg-headroom-${i}`),
        reduceOnly: false,
      });
    await port.fetchPositions([AVL]);
    const after = Object.fromEntries(scheduler.headroom().map((h) => [h.limit, h.remaining]));
    expect(after).toEqual({ account: 46, orders: 7, ip: 596 });
    clock.increment(100);
    // Bybit's order limit refills 10 a second: one more after 100 ms.
    expect(scheduler.headroom().find((h) => h.limit === 'orders')?.remaining).toBeCloseTo(8, 6);
    scheduler.close();
    venue.close();
  });

  it('is exported per account, scope and limit by /metrics', async () => {
    const metrics = createMetrics({
      board: new AccountBoard(['main']),
      positions: async () => [],
      halted: () => undefined,
      requestHeadroom: () => [
        { limit: 'orders', scope: 'account', remaining: 7, capacity: 10 },
        { limit: 'ip', scope: 'host', remaining: 596, capacity: 600 },
      ],
    });
    const text = await metrics.text();
    expect(text).toContain('posguard_request_budget_remaining{account="main",scope="account",limit="orders"} 7');
    expect(text).toContain('posguard_request_budget_remaining{account="main",scope="host",limit="ip"} 596');
    expect(text).toContain('posguard_request_budget_capacity{account="main",scope="account",limit="orders"} 10');
  });
});
