/** The close planner asked by a guard and then by its action in one step answers with one plan. */
import { describe, expect, it } from 'vitest';
import { planNextClose } from '../../src/machines/position.close-rules.js';
import { drive } from '../support/position-driver.js';
import { ENTRY, ENTRY_ID, orderReport, positionInput, positionReport } from '../support/position-fixtures.js';

/** The context of a position whose entry filled 43 and whose freshest report shows it held. */
async function openContext() {
  const d = drive({ input: positionInput() });
  d.venue.order = (lookup, now) =>
    lookup.clientOrderId === ENTRY_ID
      ? orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now })
      : undefined;
  await d.start();
  await d.until(['open']);
  return { ...d.ctx(), live: positionReport({ side: 'buy', size: 43, receivedAt: d.clock.now() }) };
}

describe('planNextClose', async () => {
  const ctx = await openContext();

  it('plans once per context: asked twice, it answers with the same plan', () => {
    const first = planNextClose(ctx);
    expect(first).toMatchObject({ kind: 'order', plan: { side: 'sell', amount: 43, reduceOnly: true } });
    expect(planNextClose(ctx)).toBe(first);
  });

  it('a new context (a new step) is planned afresh from its own report', () => {
    const flat = { ...ctx, live: positionReport({ side: 'buy', size: 0, receivedAt: ctx.live.receivedAt + 1 }) };
    expect(planNextClose(flat)).not.toBe(planNextClose(ctx));
    expect(planNextClose(flat).kind).toBe('refused');
  });
});
