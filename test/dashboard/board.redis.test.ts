/**
 * A worker on Redis with tokens and planted secrets, in real headless Chromium: the dashboard
 * signs in through its form (the token is typed once; no URL ever holds it), moves an intent
 * live and shows its Redis history with payloads; a `read` token sees no action button and the
 * API refuses its writes; bull-board at /queues loads behind the same session, read-only
 * (every write refused), its sweep jobs linked to their reports; the page, every answer the
 * browser got and the board's job data are scanned for the configured secrets.
 */
import { Queue } from 'bullmq';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERTS_QUEUE } from '../../src/alerts/delivery-queue.js';
import { asAccountId } from '../../src/domain/ids.js';
import { BullmqSweepScheduler } from '../../src/sweeps/scheduler.js';
import { AVL, eventually, startTestService, type TestService } from '../service/support.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';
import { WAIT_MS, launch, openPage, shot, type OpenedPage } from './browser.js';

const db = redisForThisFile('board');
const ADMIN = 'admin-token-PLANTED-0a1b2c3d4e5f';
const VIEWER = 'viewer-token-PLANTED-9f8e7d6c5b4a';
const SECRETS = [ADMIN, VIEWER, 'apikey-PLANTED-1234567890', 'secret-PLANTED-abcdefghij', 'whsec-PLANTED-zyxwvutsrq'];

let t: TestService;
let browser: Browser;
const pages: OpenedPage[] = [];
/** Every response body the browsers got. */
const bodies: string[] = [];

beforeAll(async () => {
  t = await startTestService(
    {
      redis: REDIS_URL,
      accounts: [{ id: 'paper', exchange: 'sim', apiKey: SECRETS[2], secret: SECRETS[3] }],
      http: { token: ADMIN, tokens: [{ name: 'viewer', token: VIEWER, scopes: ['read'] }] },
      alerts: { webhook: { url: 'http://127.0.0.1:9/hook', secret: SECRETS[4] } },
      sweeps: { orphanEveryMs: 700, reconcileEveryMs: 60_000 },
    },
    { persistence: 'redis', redisPrefix: db.prefix },
  );
  browser = await launch();
}, 60_000);
afterAll(async () => {
  for (const p of pages) await p.close().catch(() => {});
  await browser?.close();
  await t?.stop();
});

async function signedIn(token: string, path = '/'): Promise<OpenedPage> {
  const p = await openPage(browser, t.url);
  pages.push(p);
  p.page.on('response', (r) => {
    if (r.request().resourceType() !== 'eventsource')
      void r.text().then(
        (b) => bodies.push(b),
        () => {},
      );
  });
  await p.page.goto(`${t.url}${path}`);
  await p.page.fill('[data-field="token"]', token);
  await p.page.click('[data-action="sign-in"]');
  await p.page.waitForSelector('[data-live="1"]');
  return p;
}

function expectNoSecret(text: string, where: string): void {
  for (const s of SECRETS) expect(text.includes(s), `${where} holds a configured secret`).toBe(false);
}

describe('the dashboard on Redis, with tokens', () => {
  it('signs in with the session cookie and shows an intent move, with its Redis history and payloads', async () => {
    const p = await signedIn(ADMIN);
    const { page } = p;
    const opened = await t.request('POST', '/v1/positions', {
      token: ADMIN,
      body: { account: 'paper', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 },
    });
    const { id } = opened.json as { id: string };
    await page.waitForSelector('[data-state="open"][data-count="1"]', { timeout: WAIT_MS });
    await page.click('[data-nav="positions"]');
    await page.click(`tr[data-position="${id}"] a`);
    await page.waitForSelector('[data-timeline] li[data-kind="transition"]');
    expect(await page.textContent('.position')).toMatch(/history in Redis/);
    await page.click('[data-raw="h1"]');
    expect(await page.textContent('[data-payload="h1"]')).toMatch(/baseline|clientOrderId|outcome|report/);
    await page.waitForSelector('[data-action="close"]');
    await shot(page, 'position-redis');
    for (const r of p.requests) for (const s of SECRETS) expect(r.url.includes(s)).toBe(false);
    expectNoSecret(await page.content(), 'the page');
    expect(p.blocked).toEqual([]);
  }, 90_000);

  it('shows a read token no action, and the API refuses its writes anyway', async () => {
    const p = await signedIn(VIEWER);
    const { page } = p;
    for (const view of ['#/', '#/positions', '#/orphans', '#/alerts', '#/sweeps', '#/accounts']) {
      await page.goto(`${t.url}/${view}`);
      await page.waitForSelector('main#view > *');
      expect(await page.locator('main [data-action]').count(), view).toBe(0);
    }
    await page.goto(`${t.url}/#/positions`);
    await page.locator('[data-filter="final"]').check();
    const first = await page.waitForSelector('tr[data-position]');
    await page.goto(`${t.url}/#/position/${await first.getAttribute('data-position')}`);
    await page.waitForSelector('[data-timeline]');
    expect(await page.locator('main [data-action]').count()).toBe(0);
    await shot(page, 'read-only');
    // The cookie a read token got cannot close, halt or ack either.
    const status = await page.evaluate<number>(
      `fetch('/v1/accounts/paper/halt', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status)`,
    );
    expect(status).toBe(403);
    expectNoSecret(await page.content(), 'the read-only page');
  }, 90_000);

  it('serves bull-board behind the same session, read-only, with sweep jobs linked to their reports', async () => {
    expect((await t.request('GET', '/queues')).status).toBe(401);
    const sweepQueue = BullmqSweepScheduler.queueName(asAccountId('paper'));
    // A scheduled sweep has run (every 700 ms here).
    await eventually(async () => {
      const r = await t.request(
        'GET',
        `/queues/api/queues?activeQueue=${sweepQueue}&status=completed&page=1&jobsPerPage=10`,
        { token: ADMIN },
      );
      const q = (r.json as { queues: { name: string; jobs: { externalUrl?: { href: string } }[] }[] }).queues.find(
        (x) => x.name === sweepQueue,
      );
      return q?.jobs.some((j) => j.externalUrl?.href.startsWith('/#/sweeps/paper/')) === true;
    }, WAIT_MS);
    const p = await signedIn(VIEWER, '/');
    const { page } = p;
    await page.goto(`${t.url}/queues/queue/${sweepQueue}?status=completed`);
    await page.waitForSelector(`text=${sweepQueue}`, { timeout: WAIT_MS });
    await page.waitForSelector('text=sweep report', { timeout: WAIT_MS });
    await shot(page, 'board', false);
    expect(p.blocked).toEqual([]);
    expectNoSecret(await page.content(), 'the board');
    // Read-only: a write is refused — 403 for a read token, 405 (readOnlyMode) even for admin.
    const remove = `/queues/api/queues/${sweepQueue}/job-schedulers/orphans/remove`;
    expect((await t.request('PUT', remove, { token: VIEWER })).status).toBe(403);
    expect((await t.request('PUT', remove, { token: ADMIN })).status).toBe(405);
    expect((await t.request('PUT', `/queues/api/queues/${ALERTS_QUEUE}/empty`, { token: ADMIN })).status).toBe(405);
  }, 90_000);

  it("redacts a secret that reached a job's data (a second defence), and no answer the browsers got holds one", async () => {
    const queue = new Queue(ALERTS_QUEUE, { connection: db.redis, prefix: `${db.prefix}bull` });
    try {
      await queue.add(
        'planted',
        { note: `a channel that leaked ${SECRETS[4]}`, botToken: 'a-token-by-its-key' },
        { delay: 600_000 },
      );
      const r = await t.request(
        'GET',
        `/queues/api/queues?activeQueue=${ALERTS_QUEUE}&status=delayed&page=1&jobsPerPage=10`,
        { token: ADMIN },
      );
      expect(r.status).toBe(200);
      expect(r.text).toMatch(/\[redacted\]/);
      expectNoSecret(r.text, "the board's job data");
      expect(r.text.includes('a-token-by-its-key')).toBe(false);
    } finally {
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
    }
    expect(bodies.length).toBeGreaterThan(10);
    for (const b of bodies) expectNoSecret(b, 'an answer');
  }, 60_000);
});
