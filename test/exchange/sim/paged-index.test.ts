/**
 * The simulated venue's paged lists read an index kept in page order (docs/architecture.md,
 * Exchanges): a page costs its size, not a sort and a re-read of every order the account ever
 * had. Proven by counting, never by timing: the timeline reads one full read of a list makes
 * (a spy on `Timeline.prototype.at`; before the index, every page re-read every order and
 * position, so 2,000 open orders in 40 pages were 80,000+ reads). The pages themselves stay
 * what `pageOf` over the whole list answers: same records, same order, same cursors, under a
 * lagging view (REST lag) too.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from 'xstate';
import { asVenueOrderId } from '../../../src/domain/ids.js';
import { seededRandom } from '../../../src/domain/random.js';
import { SimExchange, createSimPort } from '../../../src/exchange/sim/index.js';
import { compareKeys, pageOf, pageOfOrdered, type Page, type PageRequest } from '../../../src/exchange/sim/paging.js';
import { SortedKeys } from '../../../src/exchange/sim/sorted-keys.js';
import { Timeline } from '../../../src/exchange/sim/timeline.js';
import { cid, MAIN, T0 } from './helpers.js';

const P = (i: number) => `P${i}/USDT:USDT`;

function venueWith(markets: number): { clock: SimulatedClock; sim: SimExchange } {
  const clock = new SimulatedClock();
  clock.set(T0);
  const sim = new SimExchange({
    clock,
    seed: 1,
    venue: 'bybit',
    markets: Array.from({ length: markets }, (_, i) => ({
      symbol: P(i),
      amountStep: 1,
      priceStep: 0.0001,
      minAmount: 1,
      minNotional: 5,
      contractSize: 1,
      initialPrice: 1,
      volatility: 0,
    })),
  });
  return { clock, sim };
}

/** Rests a limit buy far below the price on `symbol`; returns its venue id. */
function rest(sim: SimExchange, symbol = P(0)): string {
  const reply = sim.server.createOrder(MAIN, {
    symbol,
    side: 'buy',
    type: 'limit',
    amount: 10,
    price: 0.6,
    clientOrderId: cid('rest'),
    reduceOnly: false,
  });
  if (!reply.ok) throw new Error('the resting order was refused');
  return reply.body.id;
}

/** Every page of a list through the venue server, following the cursor. */
function allPages<T>(
  ask: (page: PageRequest) => { ok: true; body: Page<T> } | { ok: false },
  limit: number,
): Page<T>[] {
  const pages: Page<T>[] = [];
  let cursor: string | undefined;
  do {
    const reply = ask({ limit, cursor });
    if (!reply.ok) throw new Error('a page failed');
    pages.push(reply.body);
    cursor = reply.body.nextCursor;
  } while (cursor !== undefined);
  return pages;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a page of the venue reads only what it lists', () => {
  it('reads 2,000 open orders in 40 pages with one timeline read per order, however many orders ended before', async () => {
    const { sim } = venueWith(1);
    const ended = Array.from({ length: 1_000 }, () => rest(sim));
    for (const id of ended) sim.server.cancelOrder(MAIN, { venueOrderId: asVenueOrderId(id) }, P(0));
    for (let i = 0; i < 2_000; i += 1) rest(sim);
    const reads = vi.spyOn(Timeline.prototype, 'at');
    const orders = await createSimPort(sim, MAIN).fetchOpenOrders();
    expect(orders).toHaveLength(2_000);
    expect(sim.requests({ method: 'fetchOpenOrders' })).toHaveLength(40);
    // One read per listed order, plus one per page to see whether another page follows.
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2_000 + 40);
    sim.close();
  });

  it('reads 1,000 positions in 5 pages with one timeline read per position', async () => {
    const { sim } = venueWith(1_000);
    for (let i = 0; i < 1_000; i += 1) sim.openExternalPosition(MAIN, P(i), 'buy', 10);
    const reads = vi.spyOn(Timeline.prototype, 'at');
    const positions = await createSimPort(sim, MAIN).fetchPositions();
    expect(new Set(positions.map((p) => p.symbol)).size).toBe(1_000);
    expect(sim.requests({ method: 'fetchPositions' })).toHaveLength(5);
    expect(reads.mock.calls.length).toBeLessThanOrEqual(1_000 + 5);
    sim.close();
  });
});

describe('the pages stay the same', () => {
  it('under REST lag lists the orders that ended after the view time, not those placed after it, in id order', () => {
    const { clock, sim } = venueWith(2);
    const first = Array.from({ length: 120 }, (_, i) => rest(sim, P(i % 2)));
    clock.increment(1_000);
    const gone = [2, 69, 119].map((i) => {
      const id = first[i] as string;
      sim.server.cancelOrder(MAIN, { venueOrderId: asVenueOrderId(id) }, P(i % 2));
      return id;
    });
    const late = rest(sim, P(0));
    const ids = (pages: Page<{ id: string }>[]) => pages.flatMap((p) => p.items.map((o) => o.id));

    sim.faults.set({ fault: { kind: 'restLag', ms: 500 } });
    const lagging = allPages((page) => sim.server.fetchOpenOrders(MAIN, undefined, page), 50);
    expect(ids(lagging)).toEqual(first);
    expect(lagging.map((p) => p.nextCursor)).toEqual([first[49], first[99], undefined]);
    const onP1 = allPages((page) => sim.server.fetchOpenOrders(MAIN, P(1), page), 7);
    expect(ids(onP1)).toEqual(first.filter((_, i) => i % 2 === 1));

    sim.faults.clear();
    const now = allPages((page) => sim.server.fetchOpenOrders(MAIN, undefined, page), 50);
    expect(ids(now)).toEqual([...first.filter((id) => !gone.includes(id)), late]);
    sim.close();
  });

  it('answers every page of random lists and cursors exactly as pageOf over the whole list', () => {
    const rnd = seededRandom(15);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    for (let round = 0; round < 300; round += 1) {
      const numeric = round % 3 !== 0;
      const keys = new SortedKeys();
      const present = new Set<string>();
      for (let i = 0; i < 40; i += 1) {
        const key = numeric ? String(1 + Math.floor(rnd() * 60)) : pick(['a', 'b', 'B', 'c', 'zz', 'x1', 'P2/U']) + i;
        if (rnd() < 0.25 && present.size > 0) {
          const gone = pick([...present]);
          present.delete(gone);
          keys.delete(gone);
        } else {
          present.add(key);
          keys.add(key);
        }
      }
      const listed = (key: string) => (key.length % 4 === 1 ? undefined : key);
      const list = [...present].filter((k) => listed(k) !== undefined).sort(compareKeys);
      const cursor = pick([undefined, '', '0', '7', '33', '61', 'a5', 'c', '5x', 'Infinity', pick([...present, 'q'])]);
      const request = rnd() < 0.1 ? undefined : { limit: 1 + Math.floor(rnd() * 9), cursor };
      expect(pageOfOrdered((c) => keys.after(c), listed, request)).toEqual(pageOf(list, (k) => k, request));
    }
    expect(() =>
      pageOfOrdered(
        () => [],
        () => 1,
        { limit: 0 },
      ),
    ).toThrow(RangeError);
    expect(() =>
      pageOfOrdered(
        () => [],
        () => 1,
        { limit: 2.5 },
      ),
    ).toThrow(RangeError);
  });
});
