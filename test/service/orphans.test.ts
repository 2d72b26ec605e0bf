/**
 * The orphan inbox's actions on a real service and the simulated venue: an orphan found by a
 * sweep is listed, adopted into `open` (then gone from the inbox), or flattened reduce-only to
 * `closed`, or dismissed with a reason (and stays off while the venue holds the same); an action
 * reads the venue again and refuses a read older than what posguard knows of the symbol (the
 * ghost of a position that is gone), a holding other than the one found, and a symbol an intent
 * holds (the same lock as `open()`); every action is recorded with who, what and the result.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorAction, OrphanRow, PositionSummary } from '../../src/service/guard-api.js';
import { ETH, eventually, startTestService, type TestService } from './support.js';

let t: TestService;
beforeEach(async () => {
  t = await startTestService();
});
afterEach(async () => {
  await t.stop();
});

async function inbox(): Promise<OrphanRow[]> {
  return (await t.request('GET', '/v1/orphans')).json as OrphanRow[];
}

/** Opens `size` on the venue behind posguard's back, and sweeps until the inbox shows `holding`. */
async function plantAndSweep(size = 0.5, holding = size): Promise<void> {
  t.sim.openExternalPosition('paper', ETH, 'buy', size);
  await eventually(async () => {
    await t.request('POST', '/v1/sweeps/orphans', { body: { account: 'paper' } });
    return (await inbox()).some((r) => r.symbol === ETH && r.size === holding);
  });
}

const position = async (id: string) =>
  ((await t.request('GET', '/v1/positions')).json as PositionSummary[]).find((p) => p.id === id);

describe('the orphan inbox', () => {
  it('adopts an orphan into open and takes it off the inbox; the action is recorded', async () => {
    await plantAndSweep();
    const adopted = await t.request('POST', '/v1/orphans/adopt', {
      body: { account: 'paper', symbol: ETH, reason: 'ours, from a restart' },
    });
    expect(adopted.status).toBe(200);
    const { positionId } = adopted.json as { positionId: string };
    await eventually(async () => (await position(positionId))?.state === 'open');
    expect(await position(positionId)).toMatchObject({ symbol: ETH, side: 'buy', size: 0.5 });
    expect(await inbox()).toEqual([]);
    // Taken: a second adopt finds no row.
    expect((await t.request('POST', '/v1/orphans/adopt', { body: { account: 'paper', symbol: ETH } })).status).toBe(
      404,
    );
    // Recorded on the event stream: who, what, why, the result.
    const events = (await t.service.events.after('0', 1_000)).events.map((e) => e.event);
    const action = events.find(
      (e): e is { type: 'action'; action: OperatorAction } => e.type === 'action' && e.action.what === 'adopt',
    )?.action;
    expect(action).toMatchObject({
      by: 'anonymous',
      what: 'adopt',
      account: 'paper',
      symbol: ETH,
      why: 'ours, from a restart',
      result: `done: position ${positionId}`,
    });
  });

  it('flattens an orphan reduce-only, through a position that closes it', async () => {
    await plantAndSweep();
    const res = await t.request('POST', '/v1/orphans/flatten', { body: { account: 'paper', symbol: ETH } });
    expect(res.status).toBe(200);
    const { positionId } = res.json as { positionId: string };
    await eventually(async () => (await position(positionId))?.state === 'closed', 10_000);
    expect(t.sim.position('paper', ETH).size).toBe(0);
  }, 15_000);

  it('dismisses an orphan with a reason while the venue holds the same, and shows it again when that changes', async () => {
    await plantAndSweep();
    expect((await t.request('POST', '/v1/orphans/dismiss', { body: { account: 'paper', symbol: ETH } })).status).toBe(
      400,
    );
    expect(
      (
        await t.request('POST', '/v1/orphans/dismiss', {
          body: { account: 'paper', symbol: ETH, reason: 'a manual hedge' },
        })
      ).status,
    ).toBe(200);
    expect(await inbox()).toEqual([]);
    await t.request('POST', '/v1/sweeps/orphans', { body: { account: 'paper' } });
    expect(await inbox()).toEqual([]);
    // The venue now holds more: a different orphan, back in the inbox.
    await plantAndSweep(0.3, 0.8);
    expect((await inbox()).map((r) => r.size)).toEqual([0.8]);
  });

  it('refuses a venue read older than what posguard knows of the symbol: the ghost of a position that is gone is never adopted', async () => {
    const planted = Date.now();
    await plantAndSweep();
    // Someone closes it a while later; the stream says flat at once, but REST answers from 2 s
    // ago, when the position was still there.
    await eventually(() => Date.now() > planted + 2_500, 5_000);
    t.sim.openExternalPosition('paper', ETH, 'sell', 0.5);
    await eventually(() => t.sim.position('paper', ETH).size === 0);
    t.sim.faults.set({ fault: { kind: 'restLag', ms: 2_000 } });
    const ghost = await t.request('POST', '/v1/orphans/adopt', { body: { account: 'paper', symbol: ETH } });
    expect(ghost.status).toBe(409);
    expect(ghost.json).toMatchObject({ error: 'ORPHAN_REFUSED' });
    expect((ghost.json as { message: string }).message).toMatch(
      /fresh read \(0\.5 buy\) is older than what posguard already knows of the symbol \(flat\)/,
    );
    t.sim.faults.clear();
    const fresh = await t.request('POST', '/v1/orphans/adopt', { body: { account: 'paper', symbol: ETH } });
    expect(fresh.status).toBe(409);
    expect((fresh.json as { message: string }).message).toMatch(/holds no position there now/);
    expect(
      ((await t.request('GET', '/v1/positions')).json as PositionSummary[]).filter((p) => p.symbol === ETH),
    ).toEqual([]);
  }, 15_000);

  it('refuses when the venue holds something else than the row, and when an intent holds the symbol', async () => {
    await plantAndSweep();
    t.sim.openExternalPosition('paper', ETH, 'buy', 0.2);
    const changed = await t.request('POST', '/v1/orphans/adopt', { body: { account: 'paper', symbol: ETH } });
    expect(changed.status).toBe(409);
    expect((changed.json as { message: string }).message).toMatch(/now holds 0.7 buy, not the 0.5 buy that was found/);
    // An intent takes the symbol: the adopt goes through the same lock, and finds it held.
    const opened = await t.request('POST', '/v1/positions', {
      body: { account: 'paper', symbol: ETH, side: 'buy', amount: 0.1 },
    });
    expect(opened.status).toBe(202);
    t.sim.openExternalPosition('paper', ETH, 'sell', 0.2);
    const busy = await t.request('POST', '/v1/orphans/adopt', { body: { account: 'paper', symbol: ETH } });
    expect([404, 409]).toContain(busy.status);
    if (busy.status === 409) expect((busy.json as { error: string }).error).toMatch(/SYMBOL_BUSY|ORPHAN_REFUSED/);
  });
});
