/**
 * The guard's log (see docs/architecture.md, Logging): one root logger handed to `createGuard`,
 * each component on a child with its bindings, the facts of a failure as fields (`err` through
 * pino's error serializer), and no secret of the config in any line. Read from a real pino logger
 * writing into memory; the venue is the wire simulator behind the real ccxt.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { configSecrets, parseConfig } from '../../src/config/config.js';
import { createGuard, type Guard } from '../../src/guard/guard.js';
import { memoryLog } from '../support/memory-log.js';
import { API_KEY, API_SECRET, FAST_VERIFICATION, wireHarness, type WireHarness } from '../support/wire-harness.js';

let h: WireHarness | undefined;
let guard: Guard | undefined;
afterEach(async () => {
  await guard?.stop();
  await h?.close();
  guard = undefined;
  h = undefined;
});

/** A Binance stop update whose side no venue sends (and which echoes the account's secret): the port drops it. */
function malformedAlgoUpdate(side: string): Record<string, unknown> {
  return {
    e: 'ALGO_UPDATE',
    T: 1764000000100,
    E: 1764000000103,
    o: {
      caid: 'pg-01JD0000000000000000000042-s1',
      aid: 1000000045501127,
      at: 'CONDITIONAL',
      o: 'STOP_MARKET',
      s: 'AVLUSDT',
      S: side,
      ps: 'BOTH',
      f: 'GTC',
      q: '43',
      X: 'NEW',
      ai: '',
      ap: '0.00000',
      aq: '0.00000',
      act: '0',
      tp: '0.2100',
      p: '0',
      V: 'EXPIRE_MAKER',
      wt: 'MARK_PRICE',
      pm: 'NONE',
      cp: false,
      pP: false,
      R: true,
      tt: 0,
      gtd: 0,
    },
  };
}

describe("the guard's log", () => {
  it("carries a warning of the ccxt port it built to the guard's logger, with the account's bindings and the error as `err`, and no secret of the config", async () => {
    h = await wireHarness();
    const config = parseConfig({
      accounts: [
        { id: 'main', exchange: 'binanceusdm', apiKey: API_KEY, secret: API_SECRET, urls: h.wire.urls.binanceusdm },
      ],
      verification: FAST_VERIFICATION,
    });
    // As `posguard start` makes it: the config's secrets are cut out of every line.
    const mem = memoryLog({ secrets: configSecrets(config) });
    let live!: () => void;
    const streamLive = new Promise<void>((resolve) => (live = resolve));
    guard = await createGuard(config, {
      clock: systemClock,
      persistence: 'memory',
      log: mem.log,
      onEvent: (e) => {
        if (e.type === 'feed' && e.up) live();
      },
    });
    await streamLive;
    expect(h.wire.inject('binanceusdm', 'main', malformedAlgoUpdate(API_SECRET.toUpperCase()))).toBe(1);
    const line = await mem.until((l) => l.msg === 'reply dropped: it does not normalise');
    expect(line).toMatchObject({
      level: 40,
      component: 'exchange',
      account: 'main',
      venue: 'binanceusdm',
      err: { type: 'MalformedOrderReply', code: 'MALFORMED_ORDER_REPLY', field: 'side' },
    });
    expect((line.err as { message: string }).message).toMatch(/an unrecognised value "\[redacted\]" in 'side'/);
    // Each fact once: the account is a binding, not repeated as a field of the call.
    const written =
      mem
        .raw()
        .split('\n')
        .find((l) => l.includes('reply dropped')) ?? '';
    expect(written.match(/"account":/g)).toHaveLength(1);
    expect(mem.raw()).not.toContain(API_KEY);
    expect(mem.raw()).not.toContain(API_SECRET);
  }, 20_000);
});
