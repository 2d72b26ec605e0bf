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
import { NotOwner, UnknownAccount, UnknownPosition } from '../domain/errors.js';
import type { PositionId } from '../domain/ids.js';
import type { Guard } from '../guard/guard.js';
import type { PositionRow } from '../guard/registry.js';
import { FINAL_STATES, type PositionStateName } from '../machines/position.machine.js';
import type { StoredPositions, StoredRow } from '../fleet/stored-positions.js';
import type { RedisStore } from '../persistence/redis-store.js';
import type { AccountBoard } from './account-board.js';
import type { AlertAcks } from './alert-acks.js';
import { UnknownAlert, UnknownOrphan } from './errors.js';
import type {
  AccountView,
  AlertView,
  CloseAnswer,
  ClosePreviewAnswer,
  GuardApi,
  HistoryItem,
  OrphanRow,
  PositionDetail,
  PositionSummary,
} from './guard-api.js';
import type { MemoryHistory } from './memory-history.js';
import type { ActionLog } from './operator-actions.js';
import type { OrphanInbox } from './orphan-inbox.js';

export interface LocalGuardApiDeps {
  readonly board: AccountBoard;
  readonly acks: AlertAcks;
  /** The position store's reader (history streams), when positions are persisted in Redis. */
  readonly store?: RedisStore;
  /** Positions as Redis holds them: those other workers drive, and final ones this worker let go of. */
  readonly stored?: StoredPositions;
  /** Positions' histories with their events and payloads, without Redis. */
  readonly memoryHistory?: MemoryHistory;
  readonly actions: ActionLog;
  readonly inbox: OrphanInbox;
  /** The worker that holds each account's lease (with Redis); this worker's own accounts without. */
  readonly holders?: (accounts: readonly string[]) => Promise<(string | undefined)[]>;
  readonly now: () => number;
}

/** What the dashboard's close confirmation says of the preview. */
export const PREVIEW_NOTE =
  'a preview: the order the close planner would send on the latest report; confirming sends only the close request, and the order is planned again from a fresh report';

function summaryOf(row: PositionRow | StoredRow, entryPrice: number | undefined): PositionSummary {
  return {
    id: row.id,
    account: row.account,
    symbol: row.symbol,
    side: row.side,
    amount: row.amount,
    state: row.state,
    size: row.size,
    reason: row.reason,
    protection: row.protection,
    since: ('history' in row ? row.history.at(-1)?.at : undefined) ?? row.updatedAt,
    updatedAt: row.updatedAt,
    ...(entryPrice === undefined ? {} : { entryPrice }),
  };
}

export function localGuardApi(guard: Guard, deps: LocalGuardApiDeps): GuardApi {
  const summary = (row: PositionRow | StoredRow): PositionSummary =>
    summaryOf(row, guard.inspectPosition(row.id)?.entryPrice);
  const configured = (config: Config) => config.accounts.map((a) => a.id as string);

  function account(id: string, holder?: string, halted?: string): AccountView {
    const a = guard.config.accounts.find((x) => x.id === id);
    if (a === undefined) throw new UnknownAccount(id, configured(guard.config));
    const s = deps.board.get(id);
    const lastMessageAt = guard.lastStreamMessageAt(id);
    return {
      id,
      exchange: a.exchange,
      owned: s?.owned ?? false,
      trading: halted === undefined ? 'active' : 'halted',
      ...(halted === undefined ? {} : { haltedBecause: halted }),
      feed: s?.feed ?? 'unknown',
      ...(s?.mode === undefined ? {} : { mode: s.mode }),
      ...(s?.feedSince === undefined ? {} : { feedSince: s.feedSince }),
      ...(lastMessageAt === undefined ? {} : { lastMessageAt }),
      ...(holder === undefined
        ? s?.owned === true && deps.holders === undefined
          ? { holder: 'this worker' }
          : {}
        : { holder }),
    };
  }

  async function accountsWithHolders(ids: readonly string[]): Promise<AccountView[]> {
    ids.forEach((id) => account(id));
    const [holders, halts] = await Promise.all([
      deps.holders === undefined ? ids.map(() => undefined) : deps.holders(ids).catch(() => ids.map(() => undefined)),
      Promise.all(ids.map((id) => guard.haltedBecause(id))),
    ]);
    return ids.map((id, i) => account(id, holders[i], halts[i]));
  }

  /** A position driven here, else as Redis holds it (another worker drives it, or it is final and let go of). */
  async function row(id: string): Promise<PositionRow | StoredRow> {
    const found = (await guard.positions()).find((r) => r.id === id) ?? (await deps.stored?.get(id));
    if (found === undefined) throw new UnknownPosition(id);
    return found;
  }

  /** Rows driven here, and the live ones other workers drive (or, for a final state, those Redis keeps). */
  async function allRows(state: PositionStateName | undefined): Promise<(PositionRow | StoredRow)[]> {
    const here = await guard.positions();
    if (deps.stored === undefined) return here;
    const seen = new Set<string>(here.map((r) => r.id));
    const elsewhere = (await deps.stored.list(configured(guard.config), state)).filter((r) => !seen.has(r.id));
    return [...here, ...elsewhere];
  }

  async function history(
    r: PositionRow | StoredRow,
  ): Promise<{ source: 'redis' | 'memory'; items: readonly HistoryItem[] }> {
    if (deps.store === undefined)
      return {
        source: 'memory',
        items:
          deps.memoryHistory?.of(r.id) ?? ('history' in r ? r.history.map((h) => ({ at: h.at, state: h.state })) : []),
      };
    const entries = await deps.store.history(r.id as PositionId);
    return {
      source: 'redis',
      items: entries.map((h) => ({ at: h.at, state: h.state, event: h.event, payload: h.payload })),
    };
  }

  return {
    persistence: guard.persistence,
    accounts: async () => accountsWithHolders(configured(guard.config)),
    open: async (intent) => {
      const handle = await guard.open(intent);
      return { id: handle.id, state: handle.state };
    },
    close: (id): Promise<CloseAnswer> => guard.close(id),
    positions: async (filter = {}) =>
      (await allRows(filter.state))
        .filter(
          (r) =>
            (filter.state === undefined || r.state === filter.state) &&
            (filter.account === undefined || r.account === filter.account),
        )
        .map(summary),
    position: async (id): Promise<PositionDetail> => {
      const r = await row(id);
      const [h, actions] = await Promise.all([history(r), deps.actions.forPosition(id)]);
      const live = guard.inspectPosition(id);
      return {
        ...summary(r),
        historySource: h.source,
        history: h.items,
        ...(live === undefined ? {} : { orders: live.orders }),
        actions,
      };
    },
    halt: async (id, reason, by) => {
      account(id);
      await guard.halt(id, reason, by);
      return (await accountsWithHolders([id]))[0] as AccountView;
    },
    resume: async (id) => {
      account(id);
      await guard.resume(id);
      return (await accountsWithHolders([id]))[0] as AccountView;
    },
    flatten: async (id, reason, by) => {
      account(id);
      return guard.flatten(id, reason, by);
    },
    positionState: (id) => guard.stateOf(id),
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
    closePreview: async (id): Promise<ClosePreviewAnswer> => {
      const r = await row(id);
      if (FINAL_STATES.includes(r.state))
        return {
          id,
          preview: true,
          note: PREVIEW_NOTE,
          kind: 'refused',
          why: `the position is ${r.state}: there is nothing to close`,
        };
      const live = guard.inspectPosition(id);
      if (live === undefined) throw new NotOwner(r.account);
      return { id, preview: true, note: PREVIEW_NOTE, ...live.closePreview };
    },
    orphans: async (id) => {
      if (id !== undefined) account(id);
      return deps.inbox.rows(id);
    },
    takeOrphan: async (id, symbol, how, by) => {
      const found = await inboxRow(id, symbol);
      const positionId = await guard.takeOrphan(id, symbol, how, { side: found.side, size: found.size });
      await deps.inbox.took(found, how === 'adopt' ? 'adopted' : 'flattened', by, deps.now());
      return { positionId };
    },
    dismissOrphan: async (id, symbol, reason, by) => {
      const found = await inboxRow(id, symbol);
      await deps.inbox.dismiss(found, by, reason, deps.now());
      return found;
    },
  };

  async function inboxRow(id: string, symbol: string): Promise<OrphanRow> {
    account(id);
    const found = await deps.inbox.find(id, symbol);
    if (found === undefined) throw new UnknownOrphan(id, symbol);
    return found;
  }
}
