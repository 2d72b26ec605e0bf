import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { PositionStatusReport } from '../../src/domain/reports.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import { createGuard } from '../../src/guard/guard.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';
import { pushablePort } from '../support/pushable-port.js';
import { driveUntil } from '../support/sim-drive.js';
import { T0 } from '../support/sim-harness.js';

const AVL = 'AVL/USDT:USDT';
const db = redisForThisFile('snapwrites');
const prefix = db.prefix;

describe('which snapshots are written', () => {
  it('a report that only refreshes when the position was last seen writes nothing; one that says something new is written', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const sim = new SimExchange({ clock, seed: 3 });
    sim.setPrice(AVL, 0.25);
    const { port, push } = pushablePort(createSimPort(sim, 'main'));
    const guard = await createGuard(
      { redis: REDIS_URL, accounts: [{ id: 'main', exchange: 'sim' }] },
      {
        clock,
        sim,
        ports: { main: port },
        persistence: 'redis',
        redisPrefix: prefix,
        workerId: 'snapwrites',
      },
    );
    try {
      const pos = await guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
      // Simulated time for the machines, but Redis answers in real time: each step waits a little.
      await driveUntil(clock, () => pos.state === 'open', { maxMs: 2_000, realMsPerStep: 2 });
      // The stream's report of the position.
      push({
        type: 'position',
        report: {
          source: 'stream',
          receivedAt: clock.now(),
          venueTime: clock.now(),
          venueSeq: 100,
          symbol: AVL,
          side: 'buy',
          size: 43,
          entryPrice: 0.25,
          markPrice: 0.25,
        },
      });
      await guard.flushed();
      const history = `${prefix}pos:${pos.id}:history`;
      const written = await db.redis.xlen(history);
      const snapshotBefore = await db.redis.hget(`${prefix}pos:${pos.id}`, 'snapshot');
      const live = (JSON.parse(snapshotBefore ?? '{}') as { context: { live: PositionStatusReport } }).context.live;
      expect(live.size).toBe(43);

      // REST shows the very state the stream showed, a second later: only the clock fields
      // change. (The simulated clock stays put, so that the venue itself says nothing new.)
      push({ type: 'position', report: { ...live, source: 'position-query', receivedAt: live.receivedAt + 1_000 } });
      await guard.flushed();
      expect(await db.redis.xlen(history)).toBe(written);
      expect(await db.redis.hget(`${prefix}pos:${pos.id}`, 'snapshot')).toBe(snapshotBefore);

      // A newer report (the venue's next sequence number, a new mark price) is written.
      push({
        type: 'position',
        report: { ...live, venueSeq: (live.venueSeq ?? 0) + 1, receivedAt: live.receivedAt + 1_500, markPrice: 0.26 },
      });
      await guard.flushed();
      expect(await db.redis.xlen(history)).toBe(written + 1);
      const after = JSON.parse((await db.redis.hget(`${prefix}pos:${pos.id}`, 'snapshot')) ?? '{}') as {
        context: { live: PositionStatusReport };
      };
      expect(after.context.live.markPrice).toBe(0.26);
    } finally {
      await guard.stop();
      sim.close();
    }
  });
});
