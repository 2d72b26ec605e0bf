/**
 * How a world hears a worker's guard, shared by the in-process world (`world.ts`) and the wire
 * world (`wire-world.ts`): its warnings and events into the trail (`workerHooks`, nothing once
 * the worker is revoked), and a position actor crashed on purpose (`crashOne`). Touches only
 * what it is handed.
 */
import type { AnyActorRef } from 'xstate';
import type { GuardEvent, GuardOptions } from '../src/guard/guard.js';
import { createLogger } from '../src/log/logger.js';
import type { PositionContext } from '../src/machines/position.context.js';
import { intentOf, positionIdOf } from '../src/machines/position.queries.js';
import type { Reported } from './run-world.js';
import type { Revocation } from './revocable.js';

const idOf = (actor: AnyActorRef): string => positionIdOf(actor.getSnapshot().context as PositionContext);

/** Where a world keeps what a worker's guard tells it (`workerHooks`). */
export interface HookedWorld {
  readonly clock: { now(): number };
  readonly reported: Reported[];
  note(kind: string, data: unknown): void;
  onReport: (worker: string, event: GuardEvent) => void;
}

/**
 * The guard options through which a world hears a worker (nothing once its gate is revoked):
 * its warnings into the trail, its position actors into `actors`, its events into `reported`.
 */
export function workerHooks(
  world: HookedWorld,
  name: string,
  gate: Revocation,
  actors: AnyActorRef[],
): Pick<GuardOptions, 'log' | 'inspect' | 'onEvent'> {
  return {
    // What the guard logs at warn and above goes into the trail (its facts, not its timestamps).
    log: createLogger({
      level: 'warn',
      destination: {
        write: (line: string) => {
          if (!gate.revoked) world.note('log', logSummary(line));
        },
      },
    }),
    inspect: (event) => {
      if (event.type !== '@xstate.actor' || (event.actorRef as { logic?: { id?: string } }).logic?.id !== 'position')
        return;
      const actor = event.actorRef as AnyActorRef;
      // Its snapshot cannot be read while it initialises: looked at once the constructor is done.
      queueMicrotask(() => {
        const id = idOf(actor);
        if (actors.some((a) => idOf(a) === id)) world.note('actor.restarted', { id });
        actors.push(actor);
      });
    },
    onEvent: (event) => {
      if (gate.revoked) return;
      world.reported.push({ at: world.clock.now(), worker: name, event });
      world.note(`event.${event.type}`, summary(event));
      world.onReport(name, event);
    },
  };
}

/**
 * Crashes the `pick`-th of `live` (position actors): it is sent a position report whose size is
 * not a number, which its fold refuses by throwing, as a bug inside the actor would.
 */
export function crashOne(
  live: readonly AnyActorRef[],
  pick: number,
  now: number,
  note: (kind: string, data: unknown) => void,
): void {
  const target = live[pick % Math.max(1, live.length)];
  if (target === undefined) return;
  const ctx = target.getSnapshot().context as PositionContext;
  note('actor.crash', { id: positionIdOf(ctx) });
  target.send({
    type: 'POSITION_REPORT',
    report: {
      source: 'stream',
      symbol: intentOf(ctx).symbol,
      side: intentOf(ctx).side,
      size: Number.NaN,
      venueTime: now,
      receivedAt: now,
      entryPrice: undefined,
      markPrice: undefined,
    },
  });
}

/** What the trail keeps of a reported event: enough to compare two runs byte for byte. */
export function summary(e: GuardEvent): unknown {
  switch (e.type) {
    case 'transition':
      return { id: e.row.id, from: e.from, to: e.row.state, size: e.row.size };
    case 'update':
      return { id: e.row.id, state: e.row.state, size: e.row.size };
    case 'alert':
      return { kind: e.alert.kind, account: e.alert.account, symbol: e.alert.symbol, positionId: e.alert.positionId };
    case 'sweep':
      return {
        account: e.report.account,
        kind: e.report.kind,
        findings: e.report.findings.map((f) => `${f.kind}:${f.symbol}`),
      };
    default:
      return e;
  }
}

/** What the trail keeps of a log line: who said what, about which account and position (no time, no stack). */
export function logSummary(line: string): unknown {
  const l = JSON.parse(line) as Record<string, unknown>;
  const err = l.err as { message?: unknown } | undefined;
  return {
    component: l.component,
    account: l.account,
    positionId: l.positionId,
    msg: l.msg,
    ...(err === undefined ? {} : { err: err.message }),
  };
}
