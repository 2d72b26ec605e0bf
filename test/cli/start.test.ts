/**
 * `posguard start` as a person sees it: paper mode said loudly when there is no config, where
 * the API is served, and the lifecycle lines (account taken, feed live, down and recovered,
 * sweeps, lease lost, hedge mode); readable log lines on a terminal and JSON otherwise; and
 * what else a newcomer hit (a near-miss exchange id, each simulated venue its own account).
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { asAccountId } from '../../src/domain/ids.js';
import { buildExchange } from '../../src/exchange/ccxt/exchange-factory.js';
import { parseConfig } from '../../src/config/config.js';
import { LifecycleLog } from '../../src/cli/lifecycle-log.js';
import { SIM_CREDENTIALS, serveSim } from '../../src/cli/sim.js';
import { runStart, startConfig } from '../../src/cli/start.js';
import { createLogger } from '../../src/log/logger.js';
import { logDestination } from '../../src/log/destination.js';
import type { GuardEvent } from '../../src/guard/guard.js';

/** A logger whose JSON lines land in `lines`. */
function capture(): { lines: Record<string, unknown>[]; log: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    log: createLogger({
      level: 'info',
      destination: {
        write: (s: string) => {
          lines.push(JSON.parse(s) as Record<string, unknown>);
        },
      },
    }),
  };
}

describe('posguard start', () => {
  it('says it is paper mode, where the API is served, and the lifecycle of its account; stops on the signal with 0', async () => {
    const { lines, log } = capture();
    let stop: () => void = () => {};
    const until = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let url = '';
    const done = runStart(
      {},
      {
        env: {},
        until,
        port: 0,
        logger: () => log,
        onServing: (u) => {
          url = u;
        },
      },
    );
    await expect.poll(() => url, { timeout: 10_000 }).not.toBe('');
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    stop();
    expect(await done).toBe(0);
    const messages = lines.map((l) => String(l.msg));
    expect(messages.some((m) => m.startsWith('PAPER MODE: no config given'))).toBe(true);
    expect(messages).toContain(
      `API served on ${url} (positions: ${url}/v1/positions, events: ${url}/v1/events, metrics: ${url}/metrics)`,
    );
    expect(messages).toContain(`dashboard: ${url}/   (bull-board: with Redis only)`);
    expect(messages).toContain('account paper taken: 0 positions restored');
    expect(messages).toContain('orphan sweep of account paper: clean');
    expect(messages).toContain('feed of account paper is live');
    expect(
      lines.find(
        (l) =>
          l.msg ===
          'PAPER MODE: no config given (no --config, no POSGUARD_CONFIG): posguard runs on the embedded simulated exchange; nothing reaches a real venue, and positions live in memory only',
      )?.level,
    ).toBe(40);
  }, 20_000);

  it("takes the API token from POSGUARD_HTTP_TOKEN when the config has none, and keeps the config's own", async () => {
    expect((await startConfig(undefined, { POSGUARD_HTTP_TOKEN: 'from-the-environment' })).http.token).toBe(
      'from-the-environment',
    );
    expect((await startConfig(undefined, {})).http.token).toBeUndefined();
  });
});

describe('lifecycle lines', () => {
  const at = { now: 0 };
  const lifecycle = () => {
    const c = capture();
    return { ...c, write: (e: GuardEvent) => new LifecycleLog(c.log, () => at.now).write(e) };
  };

  it('say a feed is live, down, and recovered after how long', () => {
    const { lines, log } = capture();
    const l = new LifecycleLog(log, () => at.now);
    at.now = 1_000;
    l.write({ type: 'feed', account: 'main', up: true });
    l.write({ type: 'feed', account: 'main', up: false });
    at.now = 13_000;
    l.write({ type: 'feed', account: 'main', up: true });
    expect(lines.map((x) => x.msg)).toEqual([
      'feed of account main is live',
      'feed of account main is down: positions are verified by polling meanwhile',
      'feed of account main recovered after 12 s',
    ]);
  });

  it('say an account was taken with its restored positions, warn about hedge mode, and say a lease was lost', () => {
    const { lines, write } = lifecycle();
    write({ type: 'lease', account: 'main', held: true, restored: 3, mode: 'hedge' });
    write({ type: 'lease', account: 'main', held: false });
    expect(lines.map((x) => [x.level, x.msg])).toEqual([
      [30, 'account main taken: 3 positions restored'],
      [40, 'account main is in hedge (dual-side) mode: posguard refuses its intents; switch it to one-way mode'],
      [40, 'lease of account main lost: another worker drives it now'],
    ]);
  });

  it('say what a sweep found', () => {
    const { lines, write } = lifecycle();
    write({
      type: 'sweep',
      report: {
        id: 'r1',
        account: asAccountId('main'),
        kind: 'orphans',
        worker: 'w',
        startedAt: 0,
        finishedAt: 5,
        findings: [{ kind: 'orphan', symbol: 'AVL/USDT:USDT', side: 'buy', size: 86 }],
        actions: ['alerted'],
      },
    });
    expect(String(lines[0]?.msg)).toMatch(/^orphan sweep of account main found 1: .*AVL\/USDT:USDT.*86.*\(alerted\)$/);
    expect(lines[0]?.level).toBe(40);
  });
});

describe('log lines', () => {
  const sink = () => {
    let text = '';
    return {
      get text() {
        return text;
      },
      stream: new Writable({
        write(chunk: Buffer, _enc, cb) {
          text += chunk.toString();
          cb();
        },
      }),
    };
  };

  it('are readable on a terminal and JSON elsewhere, redacted either way', () => {
    const pretty = sink();
    createLogger({
      secrets: ['hunter2-secret'],
      destination: logDestination({ pretty: true, colorize: false, to: pretty.stream }),
    }).info({ url: 'smtp://u:hunter2-secret@mail' }, 'feed of account main is live');
    expect(pretty.text).toMatch(/INFO.*feed of account main is live/);
    expect(() => JSON.parse(pretty.text)).toThrow();
    expect(pretty.text).not.toContain('hunter2-secret');
    const json = sink();
    createLogger({ secrets: ['hunter2-secret'], destination: logDestination({ pretty: false, to: json.stream }) }).info(
      { url: 'smtp://u:hunter2-secret@mail' },
      'feed of account main is live',
    );
    expect(JSON.parse(json.text)).toMatchObject({
      msg: 'feed of account main is live',
      url: 'smtp://u:[redacted]@mail',
    });
  });
});

describe('what a newcomer hit', () => {
  it('suggests the exchange id of a near miss', () => {
    const account = parseConfig({ accounts: [{ id: 'main', exchange: 'bybitt', apiKey: 'k', secret: 's' }] })
      .accounts[0];
    expect(() => buildExchange(account as never)).toThrow("'bybitt' is not a ccxt exchange id (did you mean 'bybit'?)");
  });

  it("gives each simulated venue its own account, so that one venue's sweep never sees the other's positions", async () => {
    expect(SIM_CREDENTIALS.bybit.account).not.toBe(SIM_CREDENTIALS.binanceusdm.account);
    let banner = '';
    await serveSim(
      { port: 0 },
      {
        write: (text) => {
          banner += text;
        },
        until: async (wire) => {
          expect(new Set(wire.credentials.map((c) => c.account))).toEqual(
            new Set(['paper-bybit', 'paper-binanceusdm']),
          );
        },
      },
    );
    expect(banner).toContain(`"exchange":"bybit","apiKey":"${SIM_CREDENTIALS.bybit.apiKey}"`);
    expect(banner).toContain(`"exchange":"binanceusdm","apiKey":"${SIM_CREDENTIALS.binanceusdm.apiKey}"`);
  });
});
