/**
 * `posguard status`, `open`, `sweep` and `close` against a running two-worker fleet, pointed
 * at the worker that does NOT own the account (two workers with their HTTP APIs on one Redis
 * and one simulated venue; see docs/architecture.md, The fleet): status shows the position the
 * owner drives, the intent and the close are carried out by the owner, and the sweep runs on
 * the owner (its report names it). The CLI runs in process with the real parser and runner.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/program.js';
import { defaultRunner } from '../../src/cli/runner.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';
import { AVL, BTC, eventually, startTestService } from '../service/support.js';

const db = redisForThisFile('cli-fleet');

async function posguard(argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    out: (t: string) => {
      out += t;
    },
    err: (t: string) => {
      err += t;
    },
  };
  const code = await main(argv, io, defaultRunner({ env: {}, out: io.out, confirm: undefined }));
  return { code, out, err };
}

describe('the CLI against a two-worker fleet', () => {
  it('status, open, sweep and close through the worker that does not own the account', async () => {
    const prefix = `${db.prefix}c1:`;
    const sim = new SimExchange({ clock: systemClock, seed: 9 });
    const config = { redis: REDIS_URL, ownership: { leaseTtlMs: 5_000 } };
    const owner = await startTestService(config, { sim, persistence: 'redis', redisPrefix: prefix, workerId: 'owner' });
    const other = await startTestService(config, { sim, persistence: 'redis', redisPrefix: prefix, workerId: 'other' });
    const url = other.url;
    try {
      const opened = await posguard(['open', 'paper', AVL, 'buy', '43', '--stop', '0.21', '--url', url, '--json']);
      expect(opened.code).toBe(EXIT.ok);
      const { id } = JSON.parse(opened.out) as { id: string };
      const rows = await eventually(async () => {
        const list = JSON.parse((await posguard(['status', '--json', '--url', url])).out) as {
          id: string;
          state: string;
          size: number;
        }[];
        return list.find((r) => r.id === id)?.state === 'open' ? list : undefined;
      }, 15_000);
      expect(rows.find((r) => r.id === id)?.size).toBe(43);
      expect((await owner.service.guard.positions()).map((r) => r.id)).toContain(id); // driven by the owner
      expect((await other.service.guard.positions()).map((r) => r.id)).not.toContain(id);
      const table = await posguard(['status', '--url', url]);
      expect(table.code).toBe(EXIT.ok);
      expect(table.out).toContain(id);

      sim.openExternalPosition('paper', BTC, 'sell', 0.002);
      const sweep = await posguard(['sweep', 'orphans', '--url', url, '--json']);
      expect(sweep.code).toBe(EXIT.ok);
      const [report] = JSON.parse(sweep.out) as { worker: string; findings: { kind: string; symbol: string }[] }[];
      expect(report?.worker).toBe('owner');
      expect(report?.findings).toEqual([expect.objectContaining({ kind: 'orphan', symbol: BTC })]);

      const closed = await posguard(['close', id, '--url', url]);
      expect(closed.code).toBe(EXIT.ok);
      await eventually(() => (sim.position('paper', AVL).size === 0 ? true : undefined), 15_000);
      expect(Math.abs(sim.position('paper', BTC).size)).toBe(0.002); // the orphan is alerted, never touched
    } finally {
      await other.stop();
      await owner.stop();
      sim.close();
    }
  }, 60_000);
});
