/**
 * The dashboard in real headless Chromium against a real posguard service on the simulated
 * exchange (no token: the loopback-only API): an intent submitted through the API moves on the
 * page and the fleet counts follow; a close from the page with its previewed confirmation; an
 * orphan planted on the simulator is found by "sweep now", appears in the inbox and is adopted
 * from it; an alert is acknowledged; flatten takes two steps, then halts the account and is listed from the audit log;
 * a phone-sized viewport; every request stays on the server (all others are blocked) and,
 * after the first load, the page asks nothing but the event stream.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PositionSummary } from '../../src/service/guard-api.js';
import { AVL, BTC, ETH, eventually, startTestService, type TestService } from '../service/support.js';
import { WAIT_MS, launch, openPage, shot, type OpenedPage } from './browser.js';

let t: TestService;
let browser: Browser;
const pages: OpenedPage[] = [];

beforeAll(async () => {
  t = await startTestService({ sweeps: { stuckAfterMs: 600_000 } });
  browser = await launch();
}, 60_000);
afterAll(async () => {
  for (const p of pages) await p.close().catch(() => {});
  await browser?.close();
  await t?.stop();
});

async function open(path = '/', viewport?: { width: number; height: number }, mobile = false): Promise<OpenedPage> {
  const p = await openPage(browser, t.url, viewport, mobile ? { isMobile: true, hasTouch: true } : {});
  pages.push(p);
  await p.page.goto(`${t.url}${path}`);
  await p.page.waitForSelector('[data-live="1"]');
  return p;
}

async function submit(intent: Record<string, unknown>): Promise<string> {
  const res = await t.request('POST', '/v1/positions', { body: { account: 'paper', ...intent } });
  expect(res.status).toBe(202);
  return (res.json as { id: string }).id;
}

async function positions(): Promise<PositionSummary[]> {
  return (await t.request('GET', '/v1/positions')).json as PositionSummary[];
}

describe('the dashboard', () => {
  it('shows an intent submitted through the API move to open, and the fleet counts follow, without polling', async () => {
    const p = await open('/');
    const { page } = p;
    await page.waitForSelector('[data-state="open"][data-count]');
    const openBefore = Number(await page.getAttribute('[data-state="open"]', 'data-count'));
    const loadedAt = Date.now();
    const seenAfterLoad = p.requests.length;
    const id = await submit({ symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
    await page.waitForSelector(`[data-state="open"][data-count="${openBefore + 1}"]`, { timeout: WAIT_MS });
    await page.waitForSelector('[data-card="live"] .value');
    await shot(page, 'fleet');
    // A state of the drawing leads to its positions: open and protected (the machine's protectionOf).
    await page.click('[data-state="open"]');
    await page.waitForSelector(`tr[data-position="${id}"][data-state="open"] [data-protection="confirmed"]`);
    expect(new URL(page.url()).hash).toBe('#/positions?state=open');
    expect(await page.locator('tr[data-position]:not([data-state="open"])').count()).toBe(0);
    await shot(page, 'positions');
    // Quiet for a while (the page's clock redraws every second): still nothing but the stream.
    await page.waitForTimeout(3_000);
    const after = p.requests.slice(seenAfterLoad).filter((r) => r.at >= loadedAt);
    expect(after.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([]);
    expect(p.requests.filter((r) => new URL(r.url).pathname === '/v1/events').length).toBe(1);
    expect(p.blocked).toEqual([]);
    expect(p.errors).toEqual([]);
  }, 90_000);

  it('closes a position from its page after a confirmation that previews the planned order', async () => {
    const id = await submit({ symbol: BTC, side: 'sell', amount: 0.01 });
    await eventually(async () => (await positions()).find((x) => x.id === id)?.state === 'open', WAIT_MS);
    const p = await open(`/#/position/${id}`);
    const { page } = p;
    await page.waitForSelector('[data-current="open"]');
    await page.waitForSelector(`[data-order$="-e"]`);
    await page.click('[data-action="close"]');
    // The preview is labelled as one, and names the reduce-only order the planner would send.
    const preview = await page.waitForSelector('[data-preview="order"]');
    const text = await preview.textContent();
    expect(text).toMatch(/PREVIEW/);
    expect(text).toMatch(/BUY 0\.01 BTC\/USDT:USDT, market, reduce-only/);
    expect(text).toMatch(/planned again from a fresh report/);
    await shot(page, 'close-preview');
    // Nothing was sent by opening the dialog.
    expect((await positions()).find((x) => x.id === id)?.state).toBe('open');
    await page.click('[data-action="confirm-close"]');
    await page.waitForSelector('.modal-status .ok');
    await page.click('[data-action="cancel"]');
    await page.waitForSelector('[data-current="closed"]', { timeout: WAIT_MS });
    // The timeline holds the operator's close and the transitions with their payloads.
    await page.waitForSelector('[data-timeline] li[data-kind="action"]');
    const timeline = await page.textContent('[data-timeline]');
    expect(timeline).toMatch(/close by anonymous: requested/);
    const raw = page.locator('[data-raw]').first();
    const key = await raw.getAttribute('data-raw');
    await raw.click();
    expect(await page.textContent(`[data-payload="${key}"]`)).toMatch(/\{/);
    await shot(page, 'position-closed');
    expect(p.blocked).toEqual([]);
  }, 90_000);

  it('finds an orphan planted on the simulator with "sweep now", shows it in the inbox, and adopts it from there', async () => {
    t.sim.openExternalPosition('paper', ETH, 'buy', 0.5);
    const p = await open('/#/sweeps');
    const { page } = p;
    await page.click('[data-account="paper"] [data-action="sweep-orphans"]');
    await page.click('[data-action="confirm-sweep"]');
    await page.waitForSelector('.modal-status p');
    await page.click('[data-action="cancel"]');
    await page.waitForSelector('[data-finding="orphan"]');
    await page.click('[data-nav="orphans"]');
    const row = `[data-orphan="paper|${ETH}"]`;
    await page.waitForSelector(row);
    await shot(page, 'orphans');
    await page.click(`${row} [data-action="adopt"]`);
    await page.click('[data-action="confirm-adopt"]');
    const said = await page.waitForSelector('.modal-status .ok a');
    const adopted = (await said.textContent()) ?? '';
    await page.click('[data-action="cancel"]');
    await page.waitForSelector(row, { state: 'detached' });
    await page.waitForSelector('[data-empty="orphans"]');
    const pos = (await positions()).find((x) => x.id === adopted);
    expect(pos).toMatchObject({ symbol: ETH, side: 'buy', size: 0.5, state: 'open' });
    // The sweep's orphan alert is acknowledged from the alerts page.
    await page.click('[data-nav="alerts"]');
    const alert = await page.waitForSelector('[data-kind="orphan"][data-alert]');
    const alertId = await alert.getAttribute('data-alert');
    await page.click(`[data-alert="${alertId}"] [data-action="ack"]`);
    await page.click('[data-action="confirm-ack"]');
    await page.waitForSelector(`[data-alert="${alertId}"]`, { state: 'detached' });
    const acked = ((await t.request('GET', '/v1/alerts')).json as { id: string; acknowledged?: { by: string } }[]).find(
      (a) => a.id === alertId,
    );
    expect(acked?.acknowledged?.by).toBe('anonymous');
    expect(p.blocked).toEqual([]);
  }, 90_000);

  it('needs two steps to flatten an account, then flattens it and shows the action from the audit log', async () => {
    const p = await open('/#/accounts');
    const { page } = p;
    await page.click('[data-account="paper"] [data-action="flatten"]');
    await page.waitForSelector('[data-action="flatten-step-1"]');
    // The first step sends nothing.
    const before = p.requests.length;
    await page.click('[data-action="flatten-step-1"]');
    await page.waitForSelector('[data-action="flatten-step-2"]');
    expect(p.requests.slice(before).filter((r) => r.url.includes('/flatten'))).toEqual([]);
    // The second step wants the account's id typed.
    await page.click('[data-action="flatten-step-2"]');
    await page.waitForSelector('.modal-status .error');
    expect(p.requests.slice(before).filter((r) => r.url.includes('/flatten'))).toEqual([]);
    await page.fill('[data-field="confirm-account"]', 'paper');
    await page.click('[data-action="flatten-step-2"]');
    const said = await page.waitForSelector('.modal-status :text("Flatten started")');
    expect(await said.textContent()).toMatch(/paper is halted and \d+ positions? of posguard's closing/);
    expect(
      p.requests.slice(before).filter((r) => r.url.endsWith('/v1/accounts/paper/flatten') && r.method === 'POST'),
    ).toHaveLength(1);
    await page.click('[data-action="cancel"]');
    await page.waitForSelector('[data-account="paper"] [data-trading="halted"]');
    // The flatten is recorded like any operator action, and a page loaded later shows it from the audit log.
    expect(await page.textContent('[data-actions]')).toMatch(
      /anonymous · flatten paper \(flattened by anonymous\): halted; entries not sent aborted; closing/,
    );
    const later = await open('/#/accounts');
    expect(await later.page.textContent('[data-actions]')).toMatch(/flatten paper/);
    expect(await later.page.$('[data-unavailable-reason="audit"]')).toBeNull();
    await t.request('POST', '/v1/accounts/paper/resume', { body: {} });
  }, 90_000);

  it('works on a phone: halt and resume an account in a hurry', async () => {
    const p = await open('/#/accounts', { width: 390, height: 844 }, true);
    const { page } = p;
    await page.click('[data-account="paper"] [data-action="halt"]');
    await page.fill('[data-field="reason"]', 'checking the venue');
    await page.click('[data-action="confirm-halt"]');
    await page.waitForSelector('[data-account="paper"] [data-trading="halted"]');
    await shot(page, 'phone-accounts-halted');
    const refused = await t.request('POST', '/v1/positions', {
      body: { account: 'paper', symbol: AVL, side: 'sell', amount: 43 },
    });
    expect(refused.status).toBe(409);
    // Nothing is wider than the phone's screen but the scrolling tables and the chart.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.click('[data-account="paper"] [data-action="resume"]');
    await page.click('[data-action="confirm-resume"]');
    await page.waitForSelector('[data-account="paper"] [data-trading="active"]');
    await page.click('[data-nav="fleet"]');
    await page.waitForSelector('[data-state="open"]');
    await shot(page, 'phone-fleet');
  }, 90_000);
});

describe('stuck positions', () => {
  it('are marked on the drawn machine and in the table when they sit in a state past sweeps.stuckAfterMs', async () => {
    const s = await startTestService({ sweeps: { stuckAfterMs: 500 } });
    const p = await openPage(browser, s.url);
    pages.push(p);
    try {
      await p.page.goto(`${s.url}/`);
      await p.page.waitForSelector('[data-live="1"]');
      // The entry's fill cannot be proven: an ids-only reply, no stream, orders not indexed, REST from a minute ago.
      s.sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
      s.sim.faults.set({ fault: { kind: 'streamDrop' } });
      s.sim.faults.set({ fault: { kind: 'orderIndexDelay', ms: 60_000 } });
      s.sim.faults.set({ fault: { kind: 'restLag', ms: 60_000 } });
      const res = await s.request('POST', '/v1/positions', {
        body: { account: 'paper', symbol: AVL, side: 'buy', amount: 43 },
      });
      const { id } = res.json as { id: string };
      await p.page.waitForSelector('[data-state="verifying"].stuck', { timeout: WAIT_MS });
      expect(await p.page.getAttribute('[data-state="verifying"]', 'aria-label')).toMatch(/1 stuck/);
      await p.page.click('[data-card="stuck"]');
      await p.page.waitForSelector(`tr[data-position="${id}"] [data-stuck="1"]`);
      await shot(p.page, 'stuck');
      s.sim.faults.clear();
    } finally {
      await s.stop();
    }
  }, 60_000);
});
