import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createHeartbeat } from '../../src/alerts/alerts-from-config.js';
import { Heartbeat } from '../../src/alerts/heartbeat.js';
import { parseConfig } from '../../src/config/config.js';
import { freePort, memoryLogger, sleep, startHttpReceiver, waitFor } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

describe('the heartbeat', () => {
  it('pings at once, then once per interval of the injected clock, and no more after stop', async () => {
    const receiver = await startHttpReceiver(() => ({ status: 200, body: 'OK' }));
    cleanups.push(receiver.close);
    const clock = new SimulatedClock();
    const heartbeat = new Heartbeat({
      url: `${receiver.url}/ping/check-1`,
      everyMs: 60_000,
      clock,
      log: memoryLogger().log,
    });
    heartbeat.start();
    await waitFor(() => receiver.requests.length === 1, 2_000, 'the first ping');
    clock.increment(59_999);
    await sleep(50);
    expect(receiver.requests).toHaveLength(1);
    clock.increment(1);
    await waitFor(() => receiver.requests.length === 2, 2_000, 'the second ping');
    clock.increment(60_000);
    await waitFor(() => receiver.requests.length === 3, 2_000, 'the third ping');
    expect(receiver.requests.every((r) => r.method === 'GET' && r.url === '/ping/check-1')).toBe(true);
    await heartbeat.stop();
    clock.increment(600_000);
    await sleep(50);
    expect(receiver.requests).toHaveLength(3);
  });

  it('logs a failing endpoint (500, refused, too slow) without the URL, and never throws', async () => {
    const failing = await startHttpReceiver(() => ({ status: 500 }));
    const slow = await startHttpReceiver(() => ({ status: 200, delayMs: 1_000 }));
    cleanups.push(failing.close, slow.close);
    const { log, raw, lines } = memoryLogger();
    const clock = new SimulatedClock();
    const token = 'SENTINEL-HEARTBEAT-UUID';
    const port = await freePort();
    const results = await Promise.all([
      new Heartbeat({ url: `${failing.url}/${token}`, everyMs: 1_000, clock, log }).ping(),
      new Heartbeat({ url: `http://127.0.0.1:${port}/${token}`, everyMs: 1_000, clock, log }).ping(),
      new Heartbeat({ url: `${slow.url}/${token}`, everyMs: 1_000, clock, log, timeoutMs: 50 }).ping(),
    ]);
    expect(results).toEqual([false, false, false]);
    const warnings = lines().filter((l) => l.level === 40);
    expect(warnings.map((l) => l.reason)).toEqual(
      expect.arrayContaining(['HTTP 500', 'no reply within 50 ms', expect.stringContaining('ECONNREFUSED')]),
    );
    expect(raw()).not.toMatch(/SENTINEL/);
  });

  it('keeps its interval going while the endpoint fails', async () => {
    const receiver = await startHttpReceiver(() => ({ status: 503 }));
    cleanups.push(receiver.close);
    const clock = new SimulatedClock();
    const heartbeat = new Heartbeat({
      url: receiver.url,
      everyMs: 1_000,
      clock,
      log: memoryLogger().log,
      method: 'POST',
    });
    cleanups.push(() => heartbeat.stop());
    heartbeat.start();
    await waitFor(() => receiver.requests.length === 1);
    clock.increment(1_000);
    await waitFor(() => receiver.requests.length === 2);
    expect(receiver.requests[1]?.method).toBe('POST');
  });

  it('stays silent while the worker is not healthy (halted, or an account it cannot drive), so that the dead-man check notices', async () => {
    const receiver = await startHttpReceiver(() => ({ status: 200 }));
    cleanups.push(receiver.close);
    const clock = new SimulatedClock();
    let healthy = false;
    const heartbeat = new Heartbeat({
      url: receiver.url,
      everyMs: 1_000,
      clock,
      log: memoryLogger().log,
      healthy: () => healthy,
    });
    cleanups.push(() => heartbeat.stop());
    heartbeat.start();
    clock.increment(3_000);
    await sleep(100);
    expect(receiver.requests).toHaveLength(0);
    healthy = true;
    clock.increment(1_000);
    await waitFor(() => receiver.requests.length === 1, 2_000, 'a ping once healthy');
  });

  it('is made from alerts.heartbeat, and not at all without it', () => {
    const deps = { clock: new SimulatedClock(), log: memoryLogger().log };
    expect(createHeartbeat(parseConfig({}).alerts, deps)).toBeUndefined();
    const config = parseConfig({ alerts: { heartbeat: { url: 'http://127.0.0.1:1/dead-man' } } });
    expect(createHeartbeat(config.alerts, deps)).toBeInstanceOf(Heartbeat);
  });
});
