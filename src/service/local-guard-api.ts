/**
 * The `GuardApi` of a guard embedded in this process (`posguard start`): intents, closes,
 * halts and sweeps go to the guard; positions come from its registry, their history from the
 * position's Redis history stream when persisted (its registry row in memory mode); acks
 * from `AlertAcks`. What this version cannot do (flatten) refuses with `NotAvailableYet`.
 *
 * Receives: calls from the routes. Touches: the guard; Redis (history, reads) when given.
 *
 * @example
 * const api = localGuardApi(guard, { board, acks: memoryAlertAcks(), now: Date.now });
 */
import type { Config } from '../config/config.js';
import { UnknownAccount, UnknownPosition } from '../domain/errors.js';
import type { PositionId } from '../domain/ids.js';
import type { Guard } from '../guard/guard.js';
import type { PositionRow } from '../guard/registry.js';
import { FINAL_STATES, type PositionStateName } from '../machines/position.machine.js';
import type { RedisStore } from '../persistence/redis-store.js';
import type { AccountBoard } from './account-board.js';
import type { AlertAcks } from './alert-acks.js';
import { NotAvailableYet, UnknownAlert } from './errors.js';
import type { AccountView, AlertView, CloseAnswer, GuardApi, HistoryItem, PositionDetail, PositionSummary } from './guard-api.js';

export interface LocalGuardApiDeps {
  readonly board: AccountBoard;
  readonly acks: AlertAcks;
  /** The position store's reader (history streams), when positions are persisted in Redis. */
  readonly store?: RedisStore;
  readonly now: () => number;
}

const CLOSING: readonly PositionStateName[] = ['closing', 'rollingBack', 'verifyingClosed'];

function summary(row: PositionRow): PositionSummary {
  return {
    id: row.id, account: row.account, symbol: row.symbol, side: row.side, amount: row.amount, state: row.state,
    size: row.size, reason: row.reason, protection: row.protection, since: row.history.at(-1)?.at ?? row.updatedAt, updatedAt: row.updatedAt,
  };
}

export function localGuardApi(guard: Guard, deps: LocalGuardApiDeps): GuardApi {
  const halts = new Map<string, string>();
  const configured = (config: Config) => config.accounts.map((a) => a.id as string);

  function account(id: string): AccountView {
    const a = guard.config.accounts.find((x) => x.id === id);
    if (a === undefined) throw new UnknownAccount(id, configured(guard.config));
    const s = deps.board.get(id);
    const halted = halts.get(id) ?? guard.halted;
    return {
      id, exchange: a.exchange, owned: s?.owned ?? false, trading: halted === undefined ? 'active' : 'halted',
      ...(halted === undefined ? {} : { haltedBecause: halted }), feed: s?.feed ?? 'unknown', ...(s?.mode === undefined ? {} : { mode: s.mode }),
    };
  }

  async function row(id: string): Promise<PositionRow> {
    const found = (await guard.positions()).find((r) => r.id === id);
    if (found === undefined) throw new UnknownPosition(id);
    return found;
  }

  async function history(r: PositionRow): Promise<{ source: 'redis' | 'memory'; items: HistoryItem[] }> {
    if (deps.store === undefined) return { source: 'memory', items: r.history.map((h) => ({ at: h.at, state: h.state })) };
    const entries = await deps.store.history(r.id as PositionId);
    return { source: 'redis', items: entries.map((h) => ({ at: h.at, state: h.state, event: h.event, payload: h.payload })) };
  }

  return {
    persistence: guard.persistence,
    accounts: async () => configured(guard.config).map(account),
    open: async (intent) => {
      const handle = await guard.open(intent);
      return { id: handle.id, state: handle.state };
    },
    close: async (id): Promise<CloseAnswer> => {
      const before = await row(id);
      if (FINAL_STATES.includes(before.state)) return { id, state: before.state, result: 'alreadyFinal' };
      if (CLOSING.includes(before.state)) return { id, state: before.state, result: 'alreadyClosing' };
      await guard.close(id);
      return { id, state: guard.position(id).state, result: 'requested' };
    },
    positions: async (filter = {}) => (await guard.positions())
      .filter((r) => (filter.state === undefined || r.state === filter.state) && (filter.account === undefined || r.account === filter.account))
      .map(summary),
    position: async (id): Promise<PositionDetail> => {
      const r = await row(id);
      const h = await history(r);
      return { ...summary(r), historySource: h.source, history: h.items };
    },
    halt: async (id, reason) => {
      account(id);
      guard.halt(id);
      halts.set(id, reason);
      return account(id);
    },
    resume: async (id) => {
      account(id);
      guard.resume(id);
      halts.delete(id);
      return account(id);
    },
    flatten: async (id) => {
      account(id);
      throw new NotAvailableYet(`flattening account ${id}`, 'it needs a persisted halt and an atomic abort of intents not yet sent, '
        + 'which this version does not have; close each position instead (posguard close ID, POST /v1/positions/:id/close)');
    },
    alerts: async () => {
      const [alerts, acks] = await Promise.all([guard.alerts(), deps.acks.all()]);
      return alerts.map((a): AlertView => {
        const ack = acks.get(a.id);
        return ack === undefined ? a : { ...a, acknowledged: ack };
      });
    },
    ackAlert: async (alertId, by) => {
      const alert = (await guard.alerts()).find((a) => a.id === alertId);
      if (alert === undefined) throw new UnknownAlert(alertId);
      return { ...alert, acknowledged: await deps.acks.ack(alertId, by, deps.now()) };
    },
    sweep: (kind, id) => {
      if (id !== undefined) account(id);
      return guard.sweep(kind, id);
    },
    sweeps: async (id) => {
      if (id !== undefined) account(id);
      return guard.sweeps(id);
    },
  };
}
