/**
 * A posguard worker as a child process, for crash-recovery and ownership tests. Run it with
 * `node --import tsx test/support/worker-process.ts` (not `npx tsx`, whose extra process
 * would survive a kill of the one the test holds); `worker-driver.ts` adds `--import ccxt`
 * in front, which only makes it start faster.
 *
 * Receives: its settings as JSON in `POSGUARD_WORKER_SETTINGS` (see `worker-protocol.ts`),
 * and commands on stdin, one JSON object per line. Sends: one JSON line on stdout per reply
 * and per guard event (`ready` once `createGuard` resolved — its rehydration done — then
 * every transition, alert, and warning the guard logs) and, on stderr, a line per command it read (for
 * failure messages). Touches: the Redis named in its config, under its prefix, and the
 * exchange accounts of its config. `POSGUARD_CRASH_AT` (the crash hook) makes it SIGKILL
 * itself at that point. It stops the guard and exits when stdin closes (so that a test
 * runner that dies leaves no worker behind), and on SIGTERM as `posguard start` does.
 */
import { createInterface } from 'node:readline';
import { createGuard, type Guard, type GuardEvent } from '../../src/guard/guard.js';
import { createLogger } from '../../src/log/logger.js';
import { WORKER_SETTINGS_ENV, type WorkerCommand, type WorkerLine, type WorkerSettings } from './worker-protocol.js';

function print(line: WorkerLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function describeError(e: unknown): { code: string | undefined; error: string; message: string } {
  if (e instanceof Error)
    return {
      code: (e as { code?: unknown }).code === undefined ? undefined : String((e as { code?: unknown }).code),
      error: e.name,
      message: e.message,
    };
  return { code: undefined, error: 'unknown', message: String(e) };
}

function onEvent(event: GuardEvent): void {
  if (event.type === 'transition') {
    const { row, from } = event;
    print({
      type: 'transition',
      id: row.id,
      from,
      state: row.state,
      size: row.size,
      reason: row.reason,
      at: row.updatedAt,
    });
  } else if (event.type === 'alert') {
    print({ type: 'alert', kind: event.alert.kind, positionId: event.alert.positionId, message: event.alert.message });
  } else if (event.type === 'lease') {
    print({ type: 'lease', account: event.account, held: event.held });
  }
}

async function handle(guard: Guard, c: WorkerCommand): Promise<void> {
  try {
    switch (c.cmd) {
      case 'open': {
        const pos = await guard.open(c.intent);
        print({ type: 'opened', ref: c.ref, id: pos.id, state: pos.state });
        return;
      }
      case 'close': {
        const answer = await guard.close(c.id);
        print({ type: 'closeAsked', ref: c.ref, id: c.id, result: answer.result });
        return;
      }
      case 'halt':
        await guard.halt(c.account, c.reason, 'test');
        print({ type: 'halted', ref: c.ref, account: c.account });
        return;
      case 'resume':
        await guard.resume(c.account);
        print({ type: 'resumed', ref: c.ref, account: c.account });
        return;
      case 'positions': {
        const rows = (await guard.positions()).map((r) => ({
          id: r.id,
          state: r.state,
          size: r.size,
          reason: r.reason,
          history: r.history,
        }));
        print({ type: 'positions', ref: c.ref, rows });
        return;
      }
      case 'alerts': {
        const alerts = (await guard.alerts()).map((a) => ({
          kind: a.kind,
          positionId: a.positionId,
          message: a.message,
        }));
        print({ type: 'alerts', ref: c.ref, alerts });
        return;
      }
      case 'flush':
        await guard.flushed();
        print({ type: 'flushed', ref: c.ref });
        return;
      case 'sweep': {
        const reports = await guard.sweep(c.kind);
        print({ type: 'swept', ref: c.ref, actions: reports.flatMap((r) => r.actions) });
        return;
      }
      case 'stop':
        await guard.stop();
        print({ type: 'stopped', ref: c.ref });
        process.exit(0);
    }
  } catch (e) {
    print({ type: 'refused', ref: c.ref, cmd: c.cmd, ...describeError(e) });
  }
}

async function main(): Promise<void> {
  const raw = process.env[WORKER_SETTINGS_ENV];
  if (raw === undefined) throw new Error(`${WORKER_SETTINGS_ENV} is not set: it carries the worker's settings as JSON`);
  const settings = JSON.parse(raw) as WorkerSettings;
  const started = Date.now();
  const guard = await createGuard(settings.config, {
    persistence: 'redis',
    redisPrefix: settings.redisPrefix,
    workerId: settings.workerId,
    onEvent,
    log: createLogger({
      level: 'warn',
      destination: {
        write: (line: string) => print({ type: 'log', line: JSON.parse(line) as Record<string, unknown> }),
      },
    }),
    ...(settings.handoverDeadlineMs === undefined ? {} : { handoverDeadlineMs: settings.handoverDeadlineMs }),
  });
  print({ type: 'ready', workerId: settings.workerId, pid: process.pid, guardStartMs: Date.now() - started });
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (text) => {
    if (text.trim() === '') return;
    process.stderr.write(`${new Date().toISOString()} command ${text}\n`);
    void handle(guard, JSON.parse(text) as WorkerCommand);
  });
  lines.on('close', () => {
    void guard.stop().finally(() => process.exit(0));
  });
  // As `posguard start` does (src/cli/runner.ts): SIGTERM stops the guard gracefully, leases released.
  process.once('SIGTERM', () => {
    void guard.stop().finally(() => {
      print({ type: 'stopped', ref: undefined });
      process.exit(0);
    });
  });
}

main().catch((e: unknown) => {
  print({ type: 'fatal', message: describeError(e).message });
  process.exit(1);
});
