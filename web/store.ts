/**
 * What the page knows: loaded once, then kept up to date only by the event stream (`apply`).
 * A view reads it; `changed` tells the page to draw again.
 */
import type {
  Account,
  Alert,
  Dashboard,
  OperatorAction,
  OrphanRow,
  Position,
  ServiceEvent,
  Session,
  SweepReport,
} from './types.js';

export interface State {
  session: Session | undefined;
  dash: Dashboard | undefined;
  positions: Map<string, Position>;
  alerts: Alert[];
  sweeps: SweepReport[];
  accounts: Map<string, Account>;
  orphans: Map<string, readonly OrphanRow[]>;
  /** Operator actions: the audit log when the page loaded, then those seen on the stream. */
  actions: OperatorAction[];
  /** Whether the event stream is connected. */
  live: boolean;
  /** Actions the API answered 501 for, with its reason. */
  unavailable: Map<string, string>;
  /** The server's clock less the browser's (times in state are counted on the server's clock). */
  skew: number;
  /** Transitions seen on the stream since the page loaded (a position's timeline adds them). */
  transitions: { positionId: string; from: string; to: string; at: number; cause?: string | undefined }[];
}

export const state: State = {
  session: undefined,
  dash: undefined,
  positions: new Map(),
  alerts: [],
  sweeps: [],
  accounts: new Map(),
  orphans: new Map(),
  actions: [],
  live: false,
  unavailable: new Map(),
  transitions: [],
  skew: 0,
};

const listeners = new Set<() => void>();
export function onChange(f: () => void): void {
  listeners.add(f);
}
export function changed(): void {
  for (const f of listeners) f();
}

export function canTrade(): boolean {
  return state.session?.scopes.some((s) => s === 'trade' || s === 'admin') ?? false;
}
export function canAdmin(): boolean {
  return state.session?.scopes.includes('admin') ?? false;
}

/** Folds one event of the stream in. Events older than what a row already shows are ignored. */
export function apply(e: ServiceEvent): void {
  switch (e.type) {
    case 'transition': {
      state.transitions.push({ positionId: e.positionId, from: e.from, to: e.to, at: e.at, cause: e.cause });
      state.transitions.splice(0, Math.max(0, state.transitions.length - 5_000));
      const known = state.positions.get(e.positionId);
      if (known !== undefined && e.at < known.updatedAt) return;
      const base = known ?? {
        id: e.positionId,
        account: '',
        symbol: '',
        side: '',
        amount: 0,
        size: 0,
        protection: { kind: 'notNeeded' },
        since: e.at,
        updatedAt: e.at,
        state: e.to,
      };
      state.positions.set(e.positionId, {
        ...base,
        ...(e.row ?? {}),
        id: e.positionId,
        state: e.to,
        since: e.at,
        updatedAt: e.at,
      } as Position);
      return;
    }
    case 'row': {
      const known = state.positions.get(e.positionId);
      if (known === undefined || e.at < known.updatedAt) return;
      state.positions.set(e.positionId, { ...known, ...e.row, id: e.positionId, state: e.state, updatedAt: e.at });
      return;
    }
    case 'alert':
      if (!state.alerts.some((a) => a.id === e.alert.id)) state.alerts.unshift(e.alert);
      else
        state.alerts = state.alerts.map((a) =>
          a.id === e.alert.id
            ? { ...e.alert, ...(a.acknowledged === undefined ? {} : { acknowledged: a.acknowledged }) }
            : a,
        );
      return;
    case 'ack':
      state.alerts = state.alerts.map((a) => (a.id === e.alertId ? { ...a, acknowledged: e.acknowledged } : a));
      return;
    case 'sweep':
      if (!state.sweeps.some((r) => r.id === e.report.id && r.account === e.report.account))
        state.sweeps.unshift(e.report);
      state.sweeps.splice(400);
      return;
    case 'account':
      state.accounts.set(e.account.id, e.account);
      return;
    case 'orphans':
      state.orphans.set(e.account, e.rows);
      return;
    case 'action':
      state.actions.push(e.action);
      state.actions.splice(0, Math.max(0, state.actions.length - 500));
      return;
  }
}
