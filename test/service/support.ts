/**
 * A real posguard service for tests: the guard on the in-process simulated exchange, the API
 * listening on a free port of 127.0.0.1, and a client that records every answer (so a test can
 * scan them all for secrets).
 */
import { systemClock } from '../../src/clock.js';
import { parseConfig, type ConfigInput } from '../../src/config/config.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import { createLogger } from '../../src/log/logger.js';
import { startService, type Service, type ServiceOptions } from '../../src/service/service.js';

export const AVL = 'AVL/USDT:USDT';
export const BTC = 'BTC/USDT:USDT';
export const ETH = 'ETH/USDT:USDT';

export interface Answer {
  readonly status: number;
  readonly text: string;
  readonly json: unknown;
  readonly headers: Headers;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** A raw body, sent as it is. */
  readonly raw?: string;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

export interface TestService {
  readonly service: Service;
  readonly sim: SimExchange;
  readonly url: string;
  /** Every answer so far: status, headers and body. */
  readonly answers: Answer[];
  request(method: string, path: string, opts?: RequestOptions): Promise<Answer>;
  stop(): Promise<void>;
}

/** A service on the embedded simulator (memory) unless `options` say otherwise. */
export async function startTestService(
  input: ConfigInput = {},
  options: Partial<ServiceOptions> = {},
): Promise<TestService> {
  const sim = options.sim ?? new SimExchange({ clock: systemClock, seed: 7 });
  sim.setPrice(AVL, 0.25);
  sim.setPrice(BTC, 60_000);
  sim.setPrice(ETH, 3_000);
  const config = parseConfig({
    accounts: [{ id: 'paper', exchange: 'sim' }],
    verification: { restLagMs: 50, reportStaleMs: 200, closeVerifyWindowMs: 2_000 },
    ...input,
  });
  const service = await startService(config, {
    log: createLogger({ level: 'silent' }),
    port: 0,
    sim,
    persistence: 'memory',
    ...options,
  });
  const answers: Answer[] = [];
  const request = async (method: string, path: string, opts: RequestOptions = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    const hasBody = opts.body !== undefined || opts.raw !== undefined;
    if (hasBody && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers,
      ...(hasBody ? { body: opts.raw ?? JSON.stringify(opts.body) } : {}),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const answer = { status: res.status, text, json, headers: res.headers };
    answers.push(answer);
    return answer;
  };
  return {
    service,
    sim,
    url: service.url,
    answers,
    request,
    stop: async () => {
      await service.stop();
      if (options.sim === undefined) sim.close();
    },
  };
}

/** Polls `check` every 20 ms until it holds (or fails after `ms`). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, ms = 5_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reads server-sent events from `url` until `done` says so (or `ms` pass). */
export async function readEvents(
  url: string,
  opts: { headers?: Record<string, string>; done: (events: SseEvent[]) => boolean; ms?: number },
): Promise<SseEvent[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.ms ?? 5_000);
  const events: SseEvent[] = [];
  try {
    const res = await fetch(url, { headers: opts.headers ?? {}, signal: ac.signal });
    if (res.status !== 200 || res.body === null) throw new Error(`events answered ${res.status}: ${await res.text()}`);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    while (!opts.done(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const e: { id?: string; event?: string; data?: Record<string, unknown> } = {};
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) e.id = line.slice(4);
          else if (line.startsWith('event: ')) e.event = line.slice(7);
          else if (line.startsWith('data: ')) e.data = JSON.parse(line.slice(6)) as Record<string, unknown>;
        }
        if (e.event !== undefined) events.push(e as SseEvent);
      }
    }
    await reader.cancel().catch(() => {});
  } catch (e) {
    if (!ac.signal.aborted) throw e;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return events;
}

export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: Record<string, unknown>;
}
