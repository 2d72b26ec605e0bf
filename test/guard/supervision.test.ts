import { SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountUnavailable } from '../../src/domain/errors.js';
import type { ExchangePort } from '../../src/exchange/port.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import { createGuard, type Guard } from '../../src/guard/guard.js';
import { pushablePort } from '../support/pushable-port.js';
import { driveFor } from '../support/sim-drive.js';
import { T0 } from '../support/sim-harness.js';
import { memoryLog } from '../support/memory-log.js';

const AVL = 'AVL/USDT:USDT';
const fast = {
  strategy: 'one_for_one' as const,
  intensity: 2,
  periodMs: 60_000,
  backoff: { minMs: 10, maxMs: 10, jitter: 0 },
};

let guard: Guard | undefined;
let sim: SimExchange | undefined;
afterEach(async () => {
  await guard?.stop();
  sim?.close();
  guard = undefined;
  sim = undefined;
});

describe('supervision inside the guard', () => {
  it('restarts a position actor that crashed on a malformed report from its last good snapshot, and it finishes', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    sim = new SimExchange({ clock, seed: 5 });
    sim.setPrice(AVL, 0.25);
    const { port, push } = pushablePort(createSimPort(sim, 'main'));
    const mem = memoryLog();
    guard = await createGuard(
      { accounts: [{ id: 'main', exchange: 'sim' }] },
      {
        clock,
        sim,
        ports: { main: port },
        persistence: 'memory',
        supervision: fast,
        log: mem.log,
      },
    );
    const pos = await guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
    await driveFor(clock, 500);
    expect(pos.state).toBe('open');
    // A report no venue should send: a size that is not a number. Folding it throws inside the actor.
    push({
      type: 'position',
      report: {
        source: 'stream',
        symbol: AVL,
        side: 'buy',
        size: Number.NaN,
        venueTime: T0 + 1,
        receivedAt: clock.now(),
        entryPrice: undefined,
        markPrice: undefined,
      },
    });
    await driveFor(clock, 500);
    // The crash is logged by the account's worker with the position and the error as fields.
    const crash = mem.lines().find((l) => l.positionId === pos.id && l.msg.startsWith('an actor exited'));
    expect(crash).toMatchObject({ level: 40, component: 'account', account: 'main', restartInMs: expect.any(Number) });
    expect((crash?.err as { message?: string } | undefined)?.message).toMatch(/not a finite number/);
    expect(pos.state).toBe('open'); // restarted from the snapshot before the bad report
    await guard.close(pos.id);
    await driveFor(clock, 5_000);
    expect(pos.state).toBe('closed');
    expect(sim.position('main', AVL).size).toBe(0);
    expect(sim.requests({ method: 'createOrder' })).toHaveLength(3); // entry, stop, close: nothing sent twice
    expect(guard.halted).toBeUndefined();
  });

  it("when one account's feed keeps failing, that account alone is let go with a supervisorEscalation alert and retried; the others trade on", async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    sim = new SimExchange({ clock, seed: 5 });
    sim.setPrice(AVL, 0.25);
    const inner = createSimPort(sim, 'main');
    let broken = true;
    const port: ExchangePort = Object.assign(Object.create(inner) as ExchangePort, {
      subscribe: (onEvent: Parameters<ExchangePort['subscribe']>[0]) => {
        if (broken) throw new Error('stream endpoint refused the connection');
        return inner.subscribe(onEvent);
      },
    });
    guard = await createGuard(
      {
        accounts: [
          { id: 'main', exchange: 'sim' },
          { id: 'other', exchange: 'sim' },
        ],
      },
      {
        clock,
        sim,
        ports: { main: port, other: createSimPort(sim, 'other') },
        persistence: 'memory',
        supervision: fast,
      },
    );
    await driveFor(clock, 2_000);
    expect(guard.halted).toBeUndefined();
    const alerts = await guard.alerts();
    expect(alerts.find((a) => a.kind === 'supervisorEscalation')?.account).toBe('main');
    await expect(guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 })).rejects.toBeInstanceOf(
      AccountUnavailable,
    );
    const other = await guard.open({ account: 'other', symbol: AVL, side: 'buy', amount: 43 });
    await driveFor(clock, 1_000);
    expect(other.state).toBe('open');
    broken = false; // the venue's stream is back: the account is taken again after its backoff
    await driveFor(clock, 70_000);
    const again = await guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    await driveFor(clock, 1_000);
    expect(again.state).toBe('open');
  });
});
