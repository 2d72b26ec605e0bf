/**
 * Issue "sweeps": the pure reconcile over 10 accounts × 1,000 positions — CPU time per
 * sweep — and the exchange requests one sweep makes per account, counted on the simulated
 * venue's request record (goal: one position query page per 200 positions, nothing per
 * position).
 */
import { SimulatedClock } from 'xstate';
import { clientOrderId } from '../src/domain/client-order-id.js';
import { asAccountId, newPositionId, asVenueOrderId } from '../src/domain/ids.js';
import type { OrderStatusReport, PositionStatusReport } from '../src/domain/reports.js';
import { SimExchange, createSimPort } from '../src/exchange/sim/index.js';
import { reconcile, type LocalPosition } from '../src/sweeps/reconcile.js';
import { runSweep } from '../src/sweeps/sweep.js';
import type { BenchSection } from './section.js';
import { summarize } from './stats.js';
import { fmtInt, fmtMs, formatTable } from './table.js';

const ACCOUNTS = 10;
const PER_ACCOUNT = 1_000;
const ROUNDS = 50;
const NOW = 1_764_000_000_000;

function accountView(a: number) {
  const local: LocalPosition[] = [];
  const positions: PositionStatusReport[] = [];
  const openOrders: OrderStatusReport[] = [];
  for (let i = 0; i < PER_ACCOUNT; i++) {
    const id = newPositionId(NOW + a * PER_ACCOUNT + i, Uint8Array.from([a, i & 255, i >> 8, 1, 2, 3, 4, 5, 6, 7]));
    const symbol = `S${i}/USDT:USDT`;
    // A realistic mix: mostly agreeing, some size drift, some orphans, some stuck.
    const size = i % 50 === 0 ? 40 : 43;
    local.push({
      id,
      symbol,
      side: 'buy',
      state: i % 97 === 0 ? 'verifying' : 'open',
      final: false,
      size: 43,
      expectsStop: true,
      updatedAt: NOW - (i % 97 === 0 ? 600_000 : 1_000),
    });
    positions.push({
      source: 'position-query',
      venueTime: NOW,
      receivedAt: NOW,
      symbol,
      side: 'buy',
      size,
      entryPrice: 0.25,
      markPrice: 0.25,
    });
    if (i % 10 !== 0) {
      openOrders.push({
        source: 'order-query',
        venueTime: NOW,
        receivedAt: NOW,
        venueOrderId: asVenueOrderId(`${a}-${i}`),
        clientOrderId: clientOrderId(id, 'stop'),
        symbol,
        side: 'sell',
        type: 'stop-market',
        amount: 43,
        filled: 0,
        averagePrice: undefined,
        status: 'open',
        reduceOnly: true,
        triggerPrice: 0.21,
      });
    }
  }
  for (let i = 0; i < 20; i++) {
    positions.push({
      source: 'position-query',
      venueTime: NOW,
      receivedAt: NOW,
      symbol: `O${i}/USDT:USDT`,
      side: 'sell',
      size: 5,
      entryPrice: 1,
      markPrice: 1,
    });
  }
  return { local, venue: { positions, openOrders } };
}

export const reconcileBench: BenchSection = {
  title: 'sweeps: the pure reconcile, 10 accounts × 1,000 positions',
  async run({ out, record }) {
    const views = Array.from({ length: ACCOUNTS }, (_, a) => accountView(a));
    const settings = {
      stuckAfterMs: 300_000,
      ignoreClientOrderIdPrefixes: ['mybot-'],
      sizeTolerance: 1,
      restLagMs: 5_000,
    };
    const samples: number[] = [];
    let findings = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const t = performance.now();
      findings = 0;
      for (const v of views) findings += reconcile({ now: NOW, venue: v.venue, local: v.local, settings }).length;
      samples.push(performance.now() - t);
    }
    const s = summarize(samples);
    out(
      formatTable(
        ['run', 'positions', 'findings', 'p50 ms', 'p99 ms', 'max ms'],
        [
          [
            'reconcile, all 10 accounts (one sweep each)',
            String(ACCOUNTS * PER_ACCOUNT),
            String(findings),
            fmtMs(s.p50),
            fmtMs(s.p99),
            fmtMs(s.max),
          ],
        ],
      ),
    );
    out(`CPU per account sweep (p50): ${fmtMs(s.p50 / ACCOUNTS)} ms for ${PER_ACCOUNT} positions`);
    record({
      figure: `reconcile CPU per account sweep of ${fmtInt(PER_ACCOUNT)} positions (p50)`,
      unit: 'ms',
      posguard: s.p50 / ACCOUNTS,
    });

    // Requests per sweep, on the simulated venue (one account, 1,000 positions opened by others).
    const clock = new SimulatedClock();
    clock.set(NOW);
    const sim = new SimExchange({ clock, seed: 1 });
    const port = createSimPort(sim, 'main');
    const before = sim.requests({ account: 'main' }).length;
    const report = await runSweep('reconcile', {
      account: asAccountId('main'),
      port,
      now: () => clock.now(),
      local: () => ({ positions: views[0]?.local ?? [], tracked: [] }),
      known: () => new Map(),
      settings,
      policy: 'alert',
      runId: () => 'bench',
      worker: 'bench',
      actions: {
        raise: () => {},
        tell: () => {},
        adopt: async () => {
          throw new Error('not in the bench');
        },
        flatten: async () => {
          throw new Error('not in the bench');
        },
        cancelStop: async () => 'not in the bench',
      },
    });
    const requests = sim
      .requests({ account: 'main' })
      .slice(before)
      .map((r) => r.method);
    out(
      `exchange requests for one reconciliation sweep of an account: ${requests.length} (${requests.join(', ')}), ` +
        `whatever the number of positions: one position query (pages are the port's: ccxt asks Bybit 200 a page), one open-orders query; nothing per position`,
    );
    record({
      figure: `exchange requests per reconciliation sweep (${fmtInt(PER_ACCOUNT)} positions)`,
      unit: 'requests',
      posguard: requests.length,
      goal: '≤ 2 (none per position)',
      met: requests.length <= 2,
    });
    out(`(the sim venue answered ${report.findings.length} findings: its positions are not the bench's)`);
    sim.close();
  },
};
