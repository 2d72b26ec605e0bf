/**
 * `/metrics`: prom-client's default metrics and posguard's, derived from the guard's events and
 * rows; the number of series does not grow with the number of positions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PositionDetail } from '../../src/service/guard-api.js';
import { AVL, BTC, eventually, startTestService, type TestService } from './support.js';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t.stop();
});

const metrics = async () => (await t.request('GET', '/metrics')).text;
/** The posguard series (name and labels), without their values. */
const series = (text: string) =>
  new Set(
    text
      .split('\n')
      .filter((l) => l.startsWith('posguard_'))
      .map((l) => l.slice(0, l.lastIndexOf(' '))),
  );
const value = (text: string, s: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${s} `))
      ?.split(' ')[1] ?? NaN,
  );

async function openAndClose(): Promise<void> {
  const opened = await t.request('POST', '/v1/positions', {
    body: { account: 'paper', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 },
  });
  const id = (opened.json as { id: string }).id;
  const state = async () => ((await t.request('GET', `/v1/positions/${id}`)).json as PositionDetail).state;
  await eventually(async () => (await state()) === 'open');
  await t.request('POST', `/v1/positions/${id}/close`, { body: {} });
  await eventually(async () => (await state()) === 'closed', 8_000);
}

describe('metrics', () => {
  it("export the defaults and posguard's own, and their series do not grow with the positions", async () => {
    await openAndClose();
    const after1 = await metrics();
    expect(after1).toContain('process_cpu_user_seconds_total');
    expect(after1).toContain('nodejs_heap_size_used_bytes');
    expect(value(after1, 'posguard_positions{account="paper",state="closed"}')).toBe(1);
    expect(value(after1, 'posguard_transitions_total{from="protecting",to="open"}')).toBe(1);
    expect(value(after1, 'posguard_protecting_seconds_count{account="paper"}')).toBe(1);
    expect(value(after1, 'posguard_account_owned{account="paper"}')).toBe(1);
    expect(value(after1, 'posguard_feed_up{account="paper"}')).toBe(1);
    // The stream just delivered the close's reports: heard within the last minute (a wall-clock service).
    expect(value(after1, 'posguard_feed_last_message_age_seconds{account="paper"}')).toBeGreaterThanOrEqual(0);
    expect(value(after1, 'posguard_feed_last_message_age_seconds{account="paper"}')).toBeLessThan(60);
    expect(
      value(after1, 'posguard_sweeps_total{account="paper",kind="orphans",outcome="clean"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(value(after1, 'posguard_halted')).toBe(0);
    expect(value(after1, 'posguard_positions_unprotected{account="paper"}')).toBe(0);

    await openAndClose();
    await openAndClose();
    const after3 = await metrics();
    expect(value(after3, 'posguard_positions{account="paper",state="closed"}')).toBe(3);
    expect(value(after3, 'posguard_transitions_total{from="protecting",to="open"}')).toBe(3);
    expect(series(after3)).toEqual(series(after1));
    expect(after3).not.toMatch(/positionId|01[0-9A-HJKMNP-TV-Z]{24}/);
  }, 30_000);

  it('count what sweeps find, by finding', async () => {
    t.sim.openExternalPosition('paper', BTC, 'buy', 0.003);
    await t.request('POST', '/v1/sweeps/orphans', { body: { account: 'paper' } });
    const text = await metrics();
    expect(value(text, 'posguard_sweep_findings_total{account="paper",finding="orphan"}')).toBe(1);
    expect(value(text, 'posguard_sweeps_total{account="paper",kind="orphans",outcome="findings"}')).toBe(1);
    expect(value(text, 'posguard_alerts_total{kind="orphan"}')).toBe(1);
  });
});
