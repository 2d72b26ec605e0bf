/**
 * `createGuard`: the library entry (DESIGN section 10). It runs one position actor per
 * intent on the accounts of the config, routes each account's private stream to them, and
 * keeps the read model (`positions()`) and the alerts.
 *
 * @example
 * const guard = await createGuard({ accounts: [{ id: 'paper', exchange: 'sim' }] });
 * const pos = await guard.open({ account: 'paper', symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43, stopLoss: 0.21 });
 * await pos.settled({ timeoutMs: 60_000 }); // 'open'
 * await guard.close(pos.id);
 * await guard.stop();
 */
import { webcrypto } from 'node:crypto';
import { createActor } from 'xstate';
import { MemoryAlertSink, type StoredAlert } from '../alerts/alert-sink.js';
import { wirePositionMachine } from '../actors/position.wiring.js';
import { errorText } from '../machines/position.setup.js';
import { systemClock, type Clock } from '../clock.js';
import { parseConfig, type Config, type ConfigInput } from '../config/config.js';
import {
  EntryNotSent, GuardStopped, Halted, HedgeModeUnsupported, InvalidConfig, InvalidIntent, SettleTimeout, SymbolBusy,
  UnknownAccount, UnknownPosition,
} from '../domain/errors.js';
import { accountId, newPositionId, type PositionId } from '../domain/ids.js';
import { checkIntentAgainstMarket, parseIntent } from '../domain/intent.js';
import type { ExchangePort } from '../exchange/port.js';
import { SimExchange, createSimPort } from '../exchange/sim/index.js';
import { FINAL_STATES, type PositionStateName } from '../machines/position.machine.js';
import type { PositionSettings } from '../machines/position.context.js';
import { MemoryJournal, type Journal } from '../persistence/journal.js';
import { AccountRuntime, type PositionActor } from './account.js';
import { PositionRegistry, stateName, type PositionRow } from './registry.js';

export interface GuardOptions {
  /** The clock of every timer and timestamp (XState's `SimulatedClock` in tests). */
  readonly clock?: Clock;
  /** The simulated venue behind `sim` accounts; a new one on the guard's clock by default. */
  readonly sim?: SimExchange;
  /** Ports by account id, used instead of building one from the config (tests, embedding). */
  readonly ports?: Readonly<Record<string, ExchangePort>>;
  readonly journal?: Journal;
  /** Random bytes for position ids; `crypto.getRandomValues` by default. */
  readonly randomBytes?: (n: number) => Uint8Array;
  /** Told of every state change and every alert (the logger, the event stream, the demo). */
  readonly onEvent?: (event: GuardEvent) => void;
}

export type GuardEvent =
  | { readonly type: 'transition'; readonly row: PositionRow; readonly from: PositionStateName }
  | { readonly type: 'alert'; readonly alert: StoredAlert };

export interface PositionHandle {
  readonly id: PositionId;
  /** The current state name. */
  readonly state: PositionStateName;
  /** Resolves with the first of `open`, `closed`, `failed`, `orphanAlert`. */
  settled(opts?: { readonly timeoutMs?: number }): Promise<PositionStateName>;
}

export interface Guard {
  open(intent: unknown): Promise<PositionHandle>;
  close(positionId: string): Promise<void>;
  position(positionId: string): PositionHandle;
  positions(): Promise<PositionRow[]>;
  alerts(): Promise<StoredAlert[]>;
  halt(account: string): void;
  resume(account: string): void;
  stop(): Promise<void>;
  readonly config: Config;
}

const SETTLED: readonly PositionStateName[] = ['open', 'closed', 'failed', 'orphanAlert'];
const SIM_PRICE_TICK_MS = 1_000;

export async function createGuard(input: ConfigInput | Config, options: GuardOptions = {}): Promise<Guard> {
  const config = parseConfig(input);
  const clock = options.clock ?? systemClock;
  const ownSim = options.sim === undefined && config.accounts.some((a) => a.exchange === 'sim' && options.ports?.[a.id] === undefined);
  const sim = options.sim ?? (ownSim ? new SimExchange({ clock, seed: 1, priceTickMs: SIM_PRICE_TICK_MS }) : undefined);
  const randomBytes = options.randomBytes ?? ((n: number) => webcrypto.getRandomValues(new Uint8Array(n)));
  const journal = options.journal ?? new MemoryJournal();
  const onEvent = options.onEvent ?? (() => {});
  const alerts = new MemoryAlertSink(() => clock.now(), config.alerts.cooldownMs, (alert) => onEvent({ type: 'alert', alert }));
  const registry = new PositionRegistry();
  const settings: PositionSettings = { ...config.verification, protectionOnFailure: config.protection.onFailure, maxCloseOrders: 3 };

  const accounts = new Map<string, AccountRuntime>();
  for (const [i, a] of config.accounts.entries()) {
    const port = options.ports?.[a.id] ?? (a.exchange === 'sim' && sim !== undefined ? createSimPort(sim, a.id) : undefined);
    if (port === undefined) {
      throw new InvalidConfig(`accounts[${i}].exchange`, `'${a.exchange}' accounts need the ccxt adapter, which this version does not have yet; use 'sim'`);
    }
    accounts.set(a.id, new AccountRuntime(accountId(a.id), port, clock));
  }
  await Promise.all([...accounts.values()].map((a) => a.load()));
  const feeds = [...accounts.values()].map((account) => {
    const feed = account.createFeed();
    feed.subscribe({
      error: (err) => alerts.raise({ kind: 'feedDown', message: `the feed of account ${account.id} crashed: ${errorText(err)}` }, { account: account.id }),
    });
    feed.start();
    return { account, feed };
  });

  const idempotency = new Map<string, PositionId>();
  const handles = new Map<PositionId, PositionHandle>();
  let stopped = false;

  function handleOf(id: PositionId, actor: PositionActor): PositionHandle {
    return {
      id,
      get state() {
        return stateName(actor.getSnapshot().value);
      },
      settled: ({ timeoutMs = 60_000 } = {}) => new Promise<PositionStateName>((resolve, reject) => {
        const check = (value: unknown): boolean => {
          const s = stateName(value);
          if (!SETTLED.includes(s)) return false;
          resolve(s);
          return true;
        };
        if (check(actor.getSnapshot().value)) return;
        const timer = clock.setTimeout(() => {
          sub.unsubscribe();
          reject(new SettleTimeout(id, stateName(actor.getSnapshot().value), timeoutMs));
        }, timeoutMs);
        const sub = actor.subscribe({
          next: (snap) => {
            if (check(snap.value)) {
              clock.clearTimeout(timer);
              queueMicrotask(() => sub.unsubscribe());
            }
          },
          error: () => {},
        });
      }),
    };
  }

  function accountOf(name: string): AccountRuntime {
    const account = accounts.get(name);
    if (account === undefined) throw new UnknownAccount(name, [...accounts.keys()]);
    return account;
  }

  async function open(raw: unknown): Promise<PositionHandle> {
    if (stopped) throw new GuardStopped();
    const intent = parseIntent(raw);
    const account = accountOf(intent.account);
    const keyId = intent.idempotencyKey === undefined ? undefined : `${intent.account}\u0000${intent.idempotencyKey}`;
    const known = keyId === undefined ? undefined : idempotency.get(keyId);
    if (known !== undefined) return handles.get(known) as PositionHandle;
    if (account.halted !== undefined) throw new Halted(`account ${account.id}`, account.halted);
    if (account.mode === 'hedge') throw new HedgeModeUnsupported(account.id);
    const holder = account.busy.get(intent.symbol);
    if (holder !== undefined) {
      const state = holder === 'reserved' ? 'pending' : stateName(account.actors.get(holder)?.getSnapshot().value);
      throw new SymbolBusy(account.id, intent.symbol, holder === 'reserved' ? '(being opened)' : holder, state);
    }
    const market = account.markets.get(intent.symbol);
    if (market === undefined) throw new InvalidIntent('symbol', `${intent.symbol} is not listed on account ${account.id}`);
    account.busy.set(intent.symbol, 'reserved');
    try {
      checkIntentAgainstMarket(intent, market, await account.port.fetchMarkPrice(intent.symbol));
    } catch (e) {
      account.busy.delete(intent.symbol);
      throw e;
    }
    if (stopped) throw new GuardStopped();

    const id = newPositionId(clock.now(), randomBytes(10));
    const machine = wirePositionMachine({ account: account.id, port: account.port, journal, alerts, clock });
    const actor: PositionActor = createActor(machine, {
      clock,
      input: { id, intent, market, hedgeMode: false, settings, now: clock.now(), feedUp: account.feedUp },
    });
    account.actors.set(id, actor);
    account.busy.set(intent.symbol, id);
    if (keyId !== undefined) idempotency.set(keyId, id);
    registry.track(id, intent, clock.now());
    const handle = handleOf(id, actor);
    handles.set(id, handle);

    const journalled = new Promise<void>((resolve, reject) => {
      actor.subscribe({
        next: (snap) => {
          const state = stateName(snap.value);
          const from = registry.get(id)?.state ?? 'pending';
          const row = registry.update(id, state, snap.context, clock.now());
          if (row !== undefined && from !== state) onEvent({ type: 'transition', row, from });
          if (!(state === 'pending' && (snap.value as { pending?: string }).pending === 'journaling')) {
            if (state === 'failed' && snap.context.entry.send === 'not-sent') reject(new EntryNotSent(id, snap.context.reason ?? 'no reason given'));
            else resolve();
          }
          if (snap.status === 'done' || FINAL_STATES.includes(state)) {
            if (account.busy.get(intent.symbol) === id) account.busy.delete(intent.symbol);
          }
        },
        error: (err) => {
          // Until supervisors land: raise it; the symbol stays locked, since the position's fate is unknown.
          alerts.raise({ kind: 'supervisorEscalation', message: `position actor ${id} crashed: ${err instanceof Error ? err.message : String(err)}` },
            { account: account.id, symbol: intent.symbol, positionId: id });
          reject(err);
        },
      });
    });
    actor.start();
    await journalled;
    return handle;
  }

  function actorOf(positionId: string): PositionActor {
    for (const account of accounts.values()) {
      const actor = account.actors.get(positionId as PositionId);
      if (actor !== undefined) return actor;
    }
    throw new UnknownPosition(positionId);
  }

  return {
    config,
    open,
    position: (positionId) => {
      const handle = handles.get(positionId as PositionId);
      if (handle === undefined) throw new UnknownPosition(positionId);
      return handle;
    },
    close: async (positionId) => {
      if (stopped) throw new GuardStopped();
      actorOf(positionId).send({ type: 'CLOSE', reason: 'user' });
    },
    positions: async () => registry.rows(),
    alerts: async () => [...(await alerts.list())],
    halt: (name) => {
      accountOf(name).halted = 'halted by the operator';
    },
    resume: (name) => {
      accountOf(name).halted = undefined;
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const account of accounts.values()) for (const actor of account.actors.values()) actor.stop();
      for (const { feed } of feeds) feed.stop();
      await Promise.all([...accounts.values()].map((a) => a.port.close()));
      if (ownSim) sim?.close();
    },
  };
}
