/**
 * Section "request budget" (see docs/architecture.md, Request budget): counts on the simulated
 * clock, from the venue's own request record, with the account's poller beside today's
 * per-position polling (`perPositionPolling`, the baseline) in the same run.
 *
 * - venue calls per open with a stop (stream live) and per whole life (open, stop, close, stop
 *   cancelled, flat proven); venue calls before the entry leaves — for the account's next entry on
 *   a symbol (the entry fast path) beside its first (the careful path); Redis round trips and
 *   venue calls before the entry leaves with Redis persistence (`budget.entry.ts`: the local
 *   Redis, a prefix of its own);
 * - requests per second (one poll tick: `feedDownPollMs`, 1 s) during a stream outage for N
 *   open positions with stops, and per poll, against the pages the venue's lists take
 *   (Bybit-like: 200 positions and 50 open orders a page, each page one request);
 * - requests that leave between a close being asked and the close leaving, while 200
 *   positions are polled.
 *
 * Knobs: BENCH_BUDGET_SIZES (1,20,200,500). Touches: its own venues and guards, the local Redis.
 */
import type { BenchSection } from './section.js';
import { fleet, type Fleet } from './budget.rig.js';
import { formatTable } from './table.js';
import { beforeEntryWithRedis } from './budget.entry.js';

const SIZES = (process.env.BENCH_BUDGET_SIZES ?? '1,20,200,500')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const TICK_MS = 1_000;

/** What one poll costs on the venue, measured over 10 ticks after 15 s of outage. */
interface PollCost {
  /** Requests per poll tick (`feedDownPollMs`), averaged. */
  readonly perTick: number;
  /** Requests per poll: every request over the number of polls (a poll reads the position list from its first page). */
  readonly perPoll: number;
  /** The goal of one poll: ⌈positions / page⌉ position pages + ⌈open orders / page⌉ open-order pages + flat proofs. */
  readonly goal: number;
  readonly goalText: string;
}

/** Pages of a list of `n` records at `page` a page (one request when the venue does not page it). */
const pagesOf = (n: number, page: number | undefined): number =>
  page === undefined ? 1 : Math.max(1, Math.ceil(n / page));

async function perTick(f: Fleet): Promise<PollCost> {
  f.sim.faults.set({ fault: { kind: 'disconnect' } });
  await f.advance(15_000);
  const from = f.clock.now();
  await f.advance(10 * TICK_MS);
  const log = f.sim.requests({ account: 'main', since: from });
  const polls = log.filter((r) => r.method === 'fetchPositions' && r.params.cursor === undefined).length;
  // The venue's own truth: what the lists hold, and the page sizes it answers.
  const held = [...f.sim.markets().keys()].filter((symbol) => f.sim.position('main', symbol).size !== 0).length;
  const resting = f.sim.orders('main').filter((o) => o.status === 'open').length;
  const { positions: positionPage, openOrders: orderPage } = f.sim.rules.listPages;
  // The simulated venue lists flat symbols too: no position needs a flat proof of its own.
  const flatProofs = 0;
  const goal = pagesOf(held, positionPage) + pagesOf(resting, orderPage) + flatProofs;
  return {
    perTick: log.length / 10,
    perPoll: polls === 0 ? log.length : log.length / polls,
    goal,
    goalText: `⌈${held}/${positionPage ?? '∞'}⌉ position + ⌈${resting}/${orderPage ?? '∞'}⌉ open-order pages + ${flatProofs} flat = ${goal}`,
  };
}

interface Life {
  readonly open: number;
  readonly beforeEntry: number;
  readonly whole: number;
}

/**
 * Calls from the intent to `open`, to the entry's create, and over the whole life (close, flat
 * proven) of the account's first position on a symbol (nothing known of it, no tick: the careful
 * path) and of the next one (the entry fast path: the feed's view of the symbol, a fresh tick).
 */
async function life(perPositionPolling: boolean): Promise<{ first: Life; next: Life }> {
  const f = await fleet(0, perPositionPolling, 1);
  const one = async (): Promise<Life> => {
    const from = f.clock.now();
    const pos = await f.guard.open({ account: 'main', symbol: 'S0/USDT:USDT', side: 'buy', amount: 10, stopLoss: 0.5 });
    for (let t = 0; t < 60_000 && pos.state !== 'open'; t += 50) await f.advance(50);
    const log = f.sim.requests({ account: 'main', since: from });
    const beforeEntry = log.findIndex((r) => r.method === 'createOrder');
    const open = log.length;
    await f.guard.close(pos.id);
    for (let t = 0; t < 60_000 && pos.state !== 'closed'; t += 50) await f.advance(50);
    return { open, beforeEntry, whole: f.requestsSince(from) };
  };
  try {
    const first = await one();
    // A price move on the public ticker stream (the synthetic markets do not move by themselves).
    f.sim.setPrice('S0/USDT:USDT', 1);
    await f.advance(100);
    return { first, next: await one() };
  } finally {
    await f.stop();
  }
}

/** Requests that left after a close was asked and before it left, 200 positions polling with the stream down. */
async function aheadOfClose(perPositionPolling: boolean, n: number): Promise<number> {
  const f = await fleet(n, perPositionPolling);
  try {
    f.sim.faults.set({ fault: { kind: 'disconnect' } });
    await f.advance(15_000);
    const target = f.positions[0];
    if (target === undefined) return 0;
    const asked = f.sim.requests({ account: 'main' }).length;
    void f.guard.close(target.id).catch(() => {});
    for (
      let t = 0;
      t < 10_000 &&
      !f.sim
        .requests({ account: 'main' })
        .slice(asked)
        .some((r) => r.method === 'createOrder');
      t += 50
    )
      await f.advance(50);
    const after = f.sim.requests({ account: 'main' }).slice(asked);
    return after.findIndex((r) => r.method === 'createOrder');
  } finally {
    await f.stop();
  }
}

export const budgetBench: BenchSection = {
  title: 'request budget: the account poller vs per-position polling',
  async run({ out, record }) {
    const [lives, livesBase] = [await life(false), await life(true)];
    const [lifeNow, lifeBase] = [lives.next, livesBase.next];
    const redis = await beforeEntryWithRedis();
    const against = (value: number) => ({ label: 'per-position polling', value });
    record({
      figure: 'venue calls per open with a stop (stream live)',
      unit: 'calls',
      posguard: lifeNow.open,
      reference: against(lifeBase.open),
      goal: '≤ 3',
      met: lifeNow.open <= 3,
    });
    record({
      figure: 'venue calls per whole life (open, stop, close, flat proven)',
      unit: 'calls',
      posguard: lifeNow.whole,
      reference: against(lifeBase.whole),
      goal: '≤ 6',
      met: lifeNow.whole <= 6,
    });
    record({
      figure: 'venue calls before the entry leaves',
      unit: 'calls',
      posguard: lifeNow.beforeEntry,
      reference: { label: 'first entry on the symbol', value: lives.first.beforeEntry },
      goal: '0 (fast path)',
      met: lifeNow.beforeEntry === 0,
    });
    record({
      figure: 'Redis round trips before the entry leaves (fast path)',
      unit: 'round trips',
      posguard: redis.later.redis,
      reference: { label: 'careful path', value: redis.first.redis },
      goal: '1',
      met: redis.later.redis <= 1,
    });
    out(
      formatTable(
        [
          'venue calls (stream live)',
          'posguard, fast path',
          "posguard, the account's first entry on the symbol",
          'per-position baseline',
          'goal',
        ],
        [
          ['per open with a stop', String(lifeNow.open), String(lives.first.open), String(lifeBase.open), '≤ 3'],
          [
            'per whole life (open, stop, close, stop cancelled, flat proven)',
            String(lifeNow.whole),
            String(lives.first.whole),
            String(lifeBase.whole),
            '≤ 6',
          ],
          [
            'before the entry leaves',
            String(lifeNow.beforeEntry),
            String(lives.first.beforeEntry),
            String(lifeBase.beforeEntry),
            '0 (fast path)',
          ],
        ],
      ),
    );
    out('');
    out(
      formatTable(
        ['before the entry leaves, with Redis', 'fast path', "the account's first entry on the symbol", 'goal'],
        [
          ['Redis round trips', String(redis.later.redis), String(redis.first.redis), '1'],
          ['venue calls', String(redis.later.venue), String(redis.first.venue), '0'],
        ],
      ),
    );
    out('');
    const rows: string[][] = [];
    for (const n of SIZES) {
      const started = performance.now();
      const poller = await fleet(n, false);
      const withPoller = await perTick(poller).finally(() => poller.stop());
      const base = await fleet(n, true);
      const baseline = await perTick(base).finally(() => base.stop());
      record({
        figure: `requests per poll tick, stream down, ${n} open positions`,
        unit: 'requests',
        posguard: withPoller.perTick,
        reference: against(baseline.perTick),
        ratio: withPoller.perTick / baseline.perTick,
        goal: `≤ ${withPoller.goal} a poll (${withPoller.goalText})`,
        met: withPoller.perPoll <= withPoller.goal && withPoller.perTick <= withPoller.goal,
      });
      rows.push([
        String(n),
        withPoller.perTick.toFixed(1),
        withPoller.perPoll.toFixed(1),
        baseline.perTick.toFixed(1),
        withPoller.goalText,
        `${((performance.now() - started) / 1000).toFixed(1)} s`,
      ]);
    }
    out(
      formatTable(
        [
          'open positions, stream down',
          'requests per poll tick',
          'requests per poll',
          'per-position baseline',
          "goal (a poll, pages of the venue's lists)",
          'wall',
        ],
        rows,
      ),
    );
    out('');
    const n = Math.min(200, Math.max(...SIZES));
    const [ahead, aheadBase] = [await aheadOfClose(false, n), await aheadOfClose(true, n)];
    record({
      figure: `requests leaving ahead of a close, ${n} positions polled (its own fresh read included)`,
      unit: 'requests',
      posguard: ahead,
      reference: against(aheadBase),
      goal: '0',
      met: ahead === 0,
    });
    out(
      formatTable(
        [
          `requests leaving between a close asked and the close, ${n} positions polled`,
          'posguard',
          'per-position baseline',
          'goal',
        ],
        [["requests leaving first (the close's own fresh read included)", String(ahead), String(aheadBase), '0']],
      ),
    );
  },
};
