/**
 * Flattening an account through the API of the worker that does NOT own it (two workers with
 * their HTTP APIs on one Redis and one simulated venue; see docs/architecture.md, The fleet):
 * the account is halted first (persisted: every worker refuses intents), the owner closes every
 * non-final position of posguard's reduce-only, a position of another program on the same
 * account is never touched, and the audit log records the request and then "flat verified".
 * Every assertion on positions reads the venue.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import type { OperatorAction } from '../../src/service/guard-api.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';
import { AVL, BTC, ETH, eventually, startTestService } from '../service/support.js';

const db = redisForThisFile('flatten');

describe('flatten through a worker that does not own the account', () => {
  it('halts, closes every position of posguard\'s reduce-only, leaves another program\'s position alone, and audits "flat verified"', async () => {
    const prefix = `${db.prefix}f1:`;
    const sim = new SimExchange({ clock: systemClock, seed: 5 });
    const config = { redis: REDIS_URL, ownership: { leaseTtlMs: 5_000 } };
    const owner = await startTestService(config, { sim, persistence: 'redis', redisPrefix: prefix, workerId: 'owner' });
    const other = await startTestService(config, { sim, persistence: 'redis', redisPrefix: prefix, workerId: 'other' });
    try {
      const ids: string[] = [];
      for (const body of [
        { account: 'paper', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 },
        { account: 'paper', symbol: BTC, side: 'sell', amount: 0.002 },
      ]) {
        const opened = await other.request('POST', '/v1/positions', { body }); // handed to the owner
        expect(opened.status).toBe(202);
        ids.push((opened.json as { id: string }).id);
      }
      await eventually(async () => {
        const states = await Promise.all(
          ids.map(async (id) => ((await other.request('GET', `/v1/positions/${id}`)).json as { state?: string }).state),
        );
        return states.every((s) => s === 'open') ? true : undefined;
      }, 15_000);
      sim.openExternalPosition('paper', ETH, 'buy', 0.5); // another program's position on the same account
      const before = sim.requests({ account: 'paper', method: 'createOrder' }).length;

      const flatten = await other.request('POST', '/v1/accounts/paper/flatten', { body: { reason: 'incident 9' } });
      expect(flatten.status).toBe(202);
      expect(flatten.json).toMatchObject({ account: 'paper', result: 'closing' });
      expect([...(flatten.json as { positions: string[] }).positions].sort()).toEqual([...ids].sort());

      // Halted at once, on every worker: a new intent is refused whichever worker it reaches.
      for (const t of [owner, other]) {
        const refused = await t.request('POST', '/v1/positions', {
          body: { account: 'paper', symbol: AVL, side: 'buy', amount: 43 },
        });
        expect(refused.status).toBe(409);
        expect(refused.json).toMatchObject({ error: 'HALTED' });
      }
      expect(((await owner.request('GET', '/v1/accounts')).json as { trading: string }[])[0]?.trading).toBe('halted');

      // Flat on the venue for posguard's positions; the other program's ETH untouched.
      await eventually(
        () => (sim.position('paper', AVL).size === 0 && sim.position('paper', BTC).size === 0 ? true : undefined),
        15_000,
      );
      expect(sim.position('paper', ETH).size).toBe(0.5);
      const sent = sim.requests({ account: 'paper', method: 'createOrder' }).slice(before);
      expect(sent.filter((r) => r.params.symbol === ETH)).toEqual([]);
      expect(sent.filter((r) => r.params.type === 'market').every((r) => r.params.reduceOnly === true)).toBe(true);

      // The audit log, on either worker: the request, then flat verified once every position is closed.
      const audit = await eventually(async () => {
        const list = (await owner.request('GET', '/v1/audit')).json as OperatorAction[];
        return list.some((a) => a.what === 'flatten' && a.result.startsWith('flat verified')) ? list : undefined;
      }, 20_000);
      const flattens = audit.filter((a) => a.what === 'flatten');
      expect(flattens.map((a) => a.result)).toEqual([
        "flat verified: 2 positions of posguard's closed",
        'halted; entries not sent aborted; closing 2 positions',
      ]);
      expect(flattens.every((a) => a.by === 'anonymous' && a.account === 'paper' && a.why === 'incident 9')).toBe(true);
      expect((await other.request('GET', '/v1/audit?limit=1')).json as OperatorAction[]).toHaveLength(1);
    } finally {
      await other.stop();
      await owner.stop();
      sim.close();
    }
  }, 60_000);
});
