/**
 * `GET /v1/events` in memory mode: every transition of every position, in order, as
 * server-sent events; a reconnect with `Last-Event-ID` gets exactly what it missed; the ring
 * keeps a bounded number of events and says when a resume asks for more than it kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PositionDetail } from '../../src/service/guard-api.js';
import { MemoryEventLog } from '../../src/service/events/memory-event-log.js';
import { AVL, BTC, eventually, readEvents, startTestService, type SseEvent, type TestService } from './support.js';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t.stop();
});

const transitionsOf = (events: readonly SseEvent[], id: string) =>
  events.filter((e) => e.event === 'transition' && e.data.positionId === id);

describe('the event stream', () => {
  it('delivers every transition of every position in order, and a resume gets exactly the rest', async () => {
    const ids: string[] = [];
    const live = readEvents(`${t.url}/v1/events`, {
      done: (events) =>
        ids.length === 2 && ids.every((id) => transitionsOf(events, id).some((e) => e.data.to === 'closed')),
      ms: 15_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the stream is open before the first transition
    for (const [symbol, amount] of [
      [AVL, 43],
      [BTC, 0.001],
    ] as const) {
      const opened = await t.request('POST', '/v1/positions', {
        body: { account: 'paper', symbol, side: 'buy', amount },
      });
      ids.push((opened.json as { id: string }).id);
    }
    for (const id of ids) {
      await eventually(
        async () => ((await t.request('GET', `/v1/positions/${id}`)).json as PositionDetail).state === 'open',
      );
      await t.request('POST', `/v1/positions/${id}/close`, { body: {} });
    }
    const events = await live;
    for (const id of ids) {
      const mine = transitionsOf(events, id);
      // Consecutive: each transition starts where the previous one ended, from the first state to closed.
      expect(mine[0]?.data.from).toBe('pending');
      mine.slice(1).forEach((e, i) => expect(e.data.from).toBe(mine[i]?.data.to));
      expect(mine.at(-1)?.data.to).toBe('closed');
      // The same path as the position's own history.
      const history = ((await t.request('GET', `/v1/positions/${id}`)).json as PositionDetail).history.map(
        (h) => h.state,
      );
      expect(['pending', ...mine.map((e) => e.data.to)]).toEqual(history);
      expect(mine[0]?.data.row).toMatchObject({ account: 'paper', side: 'buy' });
    }
    const numbers = events.map((e) => Number(e.id));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(numbers.length);

    // Resume after the third event: exactly the events after it, in the same order.
    const cut = events[2];
    const resumed = await readEvents(`${t.url}/v1/events`, {
      headers: { 'last-event-id': cut?.id ?? '' },
      done: (got) => got.length >= events.length - 3,
      ms: 3_000,
    });
    expect(resumed.map((e) => e.id)).toEqual(events.slice(3).map((e) => e.id));
  }, 20_000);
});

describe('the memory event log', () => {
  const alert = (n: number) => ({ type: 'alert' as const, alert: { id: `a${n}` } as never });

  it('keeps the latest events only, and says when a resume asks for some it no longer has', async () => {
    const log = new MemoryEventLog(3);
    for (let n = 1; n <= 5; n++) log.append(alert(n));
    expect(await log.latestId()).toBe('5');
    const fresh = await log.after('3', 10);
    expect(fresh).toEqual({
      events: [
        { id: '4', event: alert(4) },
        { id: '5', event: alert(5) },
      ],
      gap: false,
    });
    const old = await log.after('1', 10);
    expect(old.gap).toBe(true);
    expect(old.events.map((e) => e.id)).toEqual(['3', '4', '5']);
    expect((await log.after('garbage', 10)).gap).toBe(true);
  });

  it('tells subscribers each new event, in order, until they unsubscribe', () => {
    const log = new MemoryEventLog(10);
    const seen: string[] = [];
    const stop = log.subscribe((e) => seen.push(e.id));
    log.append(alert(1));
    log.append(alert(2));
    stop();
    log.append(alert(3));
    expect(seen).toEqual(['1', '2']);
  });
});
