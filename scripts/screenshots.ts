// Makes the README's screenshots (docs/*.png) from a real worker on the simulator and Redis:
//   node --import tsx scripts/screenshots.ts
// Needs Debian's chromium and Redis on 127.0.0.1:6379 (its keys are under a prefix of its own, deleted after).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import { startTestService } from '../test/service/support.js';

const AVL = 'AVL/USDT:USDT';
const prefix = `pgshots:${randomBytes(3).toString('hex')}:`;
const t = await startTestService(
  { redis: 'redis://127.0.0.1:6379/0', sweeps: { stuckAfterMs: 600_000 } },
  { persistence: 'redis', redisPrefix: prefix },
);
const post = (path: string, body: unknown) => t.request('POST', path, { body });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const a = (await post('/v1/positions', { account: 'paper', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 }))
    .json as { id: string };
  await post('/v1/positions', { account: 'paper', symbol: 'BTC/USDT:USDT', side: 'sell', amount: 0.01 });
  const c = (await post('/v1/positions', { account: 'paper', symbol: 'ETH/USDT:USDT', side: 'buy', amount: 0.1 }))
    .json as { id: string };
  await new Promise((r) => setTimeout(r, 1_500));
  await post(`/v1/positions/${c.id}/close`, {});
  await new Promise((r) => setTimeout(r, 3_000));
  t.sim.openExternalPosition('paper', 'ETH/USDT:USDT', 'buy', 0.5);
  await post('/v1/sweeps/orphans', { account: 'paper' });
  await new Promise((r) => setTimeout(r, 1_500));
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  const out = (name: string) => join('docs', `${name}.png`);
  await page.goto(`${t.url}/`);
  await page.waitForSelector('[data-state="open"][data-count="2"]');
  await page.screenshot({ path: out('dashboard-fleet') });
  await page.goto(`${t.url}/#/position/${a.id}`);
  await page.waitForSelector('[data-timeline]');
  await page.click('[data-action="close"]');
  await page.waitForSelector('[data-preview="order"]');
  await page.screenshot({ path: out('dashboard-close-preview') });
  await page.click('[data-action="cancel"]');
  await page.goto(`${t.url}/#/orphans`);
  await page.waitForSelector('[data-orphan]');
  await page.screenshot({ path: out('dashboard-orphans'), clip: { x: 0, y: 0, width: 1280, height: 300 } });
  await page.goto(`${t.url}/queues/queue/posguard-sweeps-paper?status=completed`);
  await page.waitForSelector('text=sweep report');
  await page.screenshot({ path: out('board') });
  const phone = await (
    await browser.newContext({ viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true })
  ).newPage();
  await phone.goto(`${t.url}/#/accounts`);
  await phone.waitForSelector('[data-account="paper"] [data-action="halt"]');
  await phone.screenshot({ path: out('dashboard-phone') });
} finally {
  await browser.close();
  await t.stop();
  const redis = new Redis('redis://127.0.0.1:6379/0');
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}
