/**
 * Real headless Chromium for the dashboard's tests (Debian's `chromium` with playwright-core):
 * one browser per test file, a page per test, every request the page makes recorded, and
 * every request to anything but the server under test blocked (the page must work on a
 * machine without internet). Screenshots go under `test-output/dashboard/` (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.POSGUARD_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = join(process.cwd(), 'test-output', 'dashboard');

/** Generous: two cores are shared with other test files and engineers. */
export const WAIT_MS = 20_000;

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export interface RecordedRequest {
  readonly url: string;
  readonly method: string;
  readonly resourceType: string;
  readonly at: number;
}

export interface OpenedPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every request the page made (or tried), in order. */
  readonly requests: RecordedRequest[];
  /** Requests to anything but the server, which were blocked. */
  readonly blocked: string[];
  /** Console errors and uncaught page errors. */
  readonly errors: string[];
  close(): Promise<void>;
}

export async function openPage(
  browser: Browser,
  baseUrl: string,
  viewport = { width: 1400, height: 1000 },
  extra: { isMobile?: boolean; hasTouch?: boolean } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport, ...extra, serviceWorkers: 'block' });
  context.setDefaultTimeout(WAIT_MS);
  const origin = new URL(baseUrl).origin;
  const requests: RecordedRequest[] = [];
  const blocked: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url === origin) await route.continue();
    else {
      blocked.push(url);
      await route.abort('blockedbyclient');
    }
  });
  const page = await context.newPage();
  page.on('request', (r) =>
    requests.push({ url: r.url(), method: r.method(), resourceType: r.resourceType(), at: Date.now() }),
  );
  page.on('console', (m) => {
    // A refused request is the API's answer (a 501, a 409), checked by the tests themselves; anything else is the page's error.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, requests, blocked, errors, close: () => context.close() };
}

export async function shot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}
