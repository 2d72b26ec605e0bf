/**
 * The HTTP API without tokens (loopback only), on a real listening server and the simulated
 * exchange: every route's answer, the statuses of mistakes (400 naming the field, 404, 409,
 * 413, 415, 421, 403), and never a 5xx or a stack trace for a client's mistake.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PositionDetail, PositionSummary } from '../../src/service/guard-api.js';
import { AVL, BTC, ETH, eventually, startTestService, type TestService } from './support.js';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t.stop();
});

const intent = (extra: Record<string, unknown> = {}) => ({
  account: 'paper',
  symbol: AVL,
  side: 'buy',
  amount: 43,
  stopLoss: 0.21,
  ...extra,
});

/** A GET with a Host header of our choosing (fetch may not set one). */
function rawStatus(base: string, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function stateOf(id: string): Promise<string> {
  return ((await t.request('GET', `/v1/positions/${id}`)).json as PositionDetail).state;
}

describe('positions', () => {
  it('accepts an intent with 202, lists it, and shows it open with its history and a confirmed stop', async () => {
    const opened = await t.request('POST', '/v1/positions', { body: intent() });
    expect(opened.status).toBe(202);
    const { id, state } = opened.json as { id: string; state: string };
    expect(state).toBe('pending');
    await eventually(async () => (await stateOf(id)) === 'open');
    const list = (await t.request('GET', '/v1/positions')).json as PositionSummary[];
    expect(list.map((p) => p.id)).toContain(id);
    const open = (await t.request('GET', '/v1/positions?state=open')).json as PositionSummary[];
    expect(open.every((p) => p.state === 'open')).toBe(true);
    expect((await t.request('GET', '/v1/positions?state=closed')).json).toEqual([]);
    const detail = (await t.request('GET', `/v1/positions/${id}`)).json as PositionDetail;
    expect(detail).toMatchObject({
      id,
      account: 'paper',
      symbol: AVL,
      side: 'buy',
      amount: 43,
      size: 43,
      state: 'open',
      protection: { kind: 'confirmed' },
      historySource: 'memory',
    });
    expect(detail.history[0]?.state).toBe('pending');
    expect(detail.history.at(-1)?.state).toBe('open');

    // A second intent on the busy symbol is a conflict, named.
    const busy = await t.request('POST', '/v1/positions', { body: intent() });
    expect(busy.status).toBe(409);
    expect(busy.json).toMatchObject({ error: 'SYMBOL_BUSY' });

    // Close: 202 when asked, then what is actually happening, then final.
    const close = await t.request('POST', `/v1/positions/${id}/close`, { body: {} });
    expect(close.status).toBe(202);
    expect(close.json).toMatchObject({ id, result: 'requested' });
    const again = await t.request('POST', `/v1/positions/${id}/close`, { body: {} });
    expect(again.status).toBe(200);
    expect((again.json as { result: string }).result).toMatch(/alreadyClosing|alreadyFinal/);
    await eventually(async () => (await stateOf(id)) === 'closed', 8_000);
    const late = await t.request('POST', `/v1/positions/${id}/close`, { body: {} });
    expect(late.status).toBe(200);
    expect(late.json).toMatchObject({ id, state: 'closed', result: 'alreadyFinal' });
  }, 15_000);

  it('returns the same position for the same idempotency key', async () => {
    const a = await t.request('POST', '/v1/positions', {
      body: intent({ symbol: ETH, amount: 0.1, stopLoss: undefined, idempotencyKey: 'bot-7' }),
    });
    const b = await t.request('POST', '/v1/positions', {
      body: intent({ symbol: ETH, amount: 0.1, stopLoss: undefined, idempotencyKey: 'bot-7' }),
    });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect((b.json as { id: string }).id).toBe((a.json as { id: string }).id);
  });

  it.each([
    ['a missing amount', { account: 'paper', symbol: AVL, side: 'buy' }, 'amount'],
    ['an amount given as a string', intent({ amount: '43' }), 'amount'],
    ['a negative amount', intent({ amount: -1 }), 'amount'],
    ['an unknown side', intent({ side: 'long' }), 'side'],
    ['a misspelt stop', { ...intent({ stopLoss: undefined }), stoploss: 0.21 }, 'stoploss'],
    ['an amount off the step', intent({ amount: 43.5 }), 'amount'],
    ['a stop above the mark for a long', intent({ stopLoss: 0.3 }), 'stopLoss'],
  ])('answers 400 naming the field for %s', async (_name, body, field) => {
    const answer = await t.request('POST', '/v1/positions', { body });
    expect(answer.status).toBe(400);
    expect((answer.json as { field: string }).field).toBe(field);
    expect((answer.json as { message: string }).message).toContain(field);
  });

  it('suggests the market of a venue-style symbol', async () => {
    const answer = await t.request('POST', '/v1/positions', { body: intent({ symbol: 'AVLUSDT' }) });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: 'INVALID_INTENT', field: 'symbol' });
    expect((answer.json as { message: string }).message).toContain("did you mean 'AVL/USDT:USDT'");
  });

  it('answers 404 for an unknown account, an unknown position and an unknown route', async () => {
    expect((await t.request('POST', '/v1/positions', { body: intent({ account: 'nope' }) })).status).toBe(404);
    expect((await t.request('GET', '/v1/positions/01NOPE')).json).toMatchObject({ error: 'UNKNOWN_POSITION' });
    expect((await t.request('GET', '/v1/positions/01NOPE')).status).toBe(404);
    expect((await t.request('POST', '/v1/positions/01NOPE/close', { body: {} })).status).toBe(404);
    expect((await t.request('GET', '/v1/nothing')).status).toBe(404);
    expect((await t.request('GET', '/v1/positions?state=sideways')).status).toBe(400);
  });

  it('refuses broken JSON (400), a body over the limit (413) and a body that is not JSON (415)', async () => {
    const broken = await t.request('POST', '/v1/positions', { raw: '{"account":' });
    expect(broken.status).toBe(400);
    const big = await t.request('POST', '/v1/positions', { body: intent({ idempotencyKey: 'x'.repeat(20_000) }) });
    expect(big.status).toBe(413);
    const form = await t.request('POST', '/v1/positions', {
      raw: 'account=paper',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const none = await t.request('POST', '/v1/accounts/paper/halt');
    expect(none.status).toBe(415);
  });
});

describe('accounts', () => {
  it('halts (409 for new intents) and resumes an account', async () => {
    const halted = await t.request('POST', '/v1/accounts/paper/halt', { body: { reason: 'testing the kill switch' } });
    expect(halted.status).toBe(200);
    expect(halted.json).toMatchObject({
      id: 'paper',
      trading: 'halted',
      haltedBecause: 'testing the kill switch',
      owned: true,
    });
    const refused = await t.request('POST', '/v1/positions', {
      body: intent({ symbol: BTC, amount: 0.001, stopLoss: undefined }),
    });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ error: 'HALTED' });
    const resumed = await t.request('POST', '/v1/accounts/paper/resume', { body: {} });
    expect(resumed.json).toMatchObject({ trading: 'active' });
    expect((await t.request('GET', '/v1/accounts')).json).toMatchObject([
      {
        id: 'paper',
        exchange: 'sim',
        trading: 'active',
        feed: 'live',
        mode: 'one-way',
        lastMessageAt: expect.any(Number),
      },
    ]);
    expect((await t.request('POST', '/v1/accounts/nope/halt', { body: {} })).status).toBe(404);
  });

  it('lists every operator action in the audit log, newest first: who, what, why and the result, refusals too', async () => {
    const audit = (await t.request('GET', '/v1/audit')).json as {
      by: string;
      what: string;
      account?: string;
      why?: string;
      result: string;
    }[];
    const accountActions = audit.filter((a) => a.account !== undefined).slice(0, 3);
    expect(accountActions).toEqual([
      expect.objectContaining({
        by: 'anonymous',
        what: 'halt',
        account: 'nope',
        result: expect.stringMatching(/^refused: /),
      }),
      expect.objectContaining({ by: 'anonymous', what: 'resume', account: 'paper', result: 'done' }),
      expect.objectContaining({
        by: 'anonymous',
        what: 'halt',
        account: 'paper',
        why: 'testing the kill switch',
        result: 'done',
      }),
    ]);
    expect((await t.request('GET', '/v1/audit?limit=1')).json).toHaveLength(1);
    expect((await t.request('GET', '/v1/audit?limit=0')).status).toBe(400);
    expect((await t.request('GET', '/v1/audit?limit=abc')).status).toBe(400);
  });
});

describe('alerts and sweeps', () => {
  it('finds an orphan in a sweep asked for through the API, lists its alert and acknowledges it', async () => {
    t.sim.openExternalPosition('paper', BTC, 'sell', 0.002);
    const sweep = await t.request('POST', '/v1/sweeps/orphans', { body: { account: 'paper' } });
    expect(sweep.status).toBe(200);
    const [report] = sweep.json as { kind: string; findings: { kind: string; symbol: string }[] }[];
    expect(report?.findings).toEqual([expect.objectContaining({ kind: 'orphan', symbol: BTC })]);
    expect(((await t.request('GET', '/v1/sweeps?account=paper')).json as { id: string }[])[0]).toMatchObject({
      kind: 'orphans',
    });
    const alerts = await eventually(async () => {
      const list = (await t.request('GET', '/v1/alerts')).json as { id: string; kind: string; symbol?: string }[];
      return list.some((a) => a.kind === 'orphan') ? list : undefined;
    });
    const orphan = alerts.find((a) => a.kind === 'orphan' && a.symbol === BTC);
    expect(orphan).toBeDefined();
    const ack = await t.request('POST', `/v1/alerts/${orphan?.id}/ack`, { body: {} });
    expect(ack.status).toBe(200);
    expect(ack.json).toMatchObject({ id: orphan?.id, acknowledged: { by: 'anonymous' } });
    const listed = ((await t.request('GET', '/v1/alerts')).json as { id: string; acknowledged?: unknown }[]).find(
      (a) => a.id === orphan?.id,
    );
    expect(listed?.acknowledged).toMatchObject({ by: 'anonymous' });
    expect((await t.request('POST', '/v1/alerts/alert-nope/ack', { body: {} })).status).toBe(404);
    expect((await t.request('POST', '/v1/sweeps/reconcile', { body: { account: 'nope' } })).status).toBe(404);
    expect((await t.request('POST', '/v1/sweeps/sideways', { body: {} })).status).toBe(404);
  });
});

describe('requests from elsewhere', () => {
  it('refuses a host name that is not its own (DNS rebinding), even for a read', async () => {
    const port = new URL(t.url).port;
    expect(await rawStatus(t.url, '/v1/positions', `evil.example:${port}`)).toBe(421);
    expect(await rawStatus(t.url, '/v1/positions', `localhost:${port}`)).toBe(200);
    expect(await rawStatus(t.url, '/healthz', 'evil.example')).toBe(200); // probes are public
  });

  it('refuses a cross-origin or cross-site request that would change something', async () => {
    const cross = await t.request('POST', '/v1/accounts/paper/halt', {
      body: {},
      headers: { origin: 'https://evil.example' },
    });
    expect(cross.status).toBe(403);
    const site = await t.request('POST', '/v1/accounts/paper/halt', {
      body: {},
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(site.status).toBe(403);
    expect(((await t.request('GET', '/v1/accounts')).json as { trading: string }[])[0]?.trading).toBe('active');
    const same = await t.request('POST', '/v1/accounts/paper/resume', { body: {}, headers: { origin: t.url } });
    expect(same.status).toBe(200);
  });
});

describe('every answer', () => {
  it('is JSON with security headers, and no error carries a stack trace or a 5xx for a client mistake', () => {
    expect(t.answers.length).toBeGreaterThan(20);
    for (const a of t.answers) {
      expect(a.headers.get('x-content-type-options')).toBe('nosniff');
      if (a.status >= 400) {
        expect(a.json).toMatchObject({ error: expect.any(String), message: expect.any(String) });
        expect(a.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
      }
      expect(a.status === 501 || a.status < 500).toBe(true);
    }
  });
});
