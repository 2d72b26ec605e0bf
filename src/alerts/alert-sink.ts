/**
 * Where alerts go. Every alert is stored and listed. Repeats of the same key within the
 * cooldown are grouped: the stored alert counts them instead of being raised again.
 *
 * `MemoryAlertSink` keeps them in this process (no Redis, no channels); `RedisAlertSink`
 * (`redis-alert-sink.ts`) stores them in Redis and delivers them through the channels.
 */
import { alertKey, type Alert, type AlertDraft } from '../domain/alert.js';
import type { AccountId, PositionId } from '../domain/ids.js';

/** What an alert is about: an account, and a symbol or position when there is one. */
export interface AlertSubject {
  readonly account: AccountId;
  readonly symbol?: string | undefined;
  readonly positionId?: PositionId | undefined;
}

/**
 * Where position actors, sweeps and supervisors raise alerts. `raise` never throws and does
 * not wait; `list` reads the stored alerts, newest first.
 *
 * @example
 * sink.raise({ kind: 'orphan', message: 'AVL/USDT:USDT long 43 is tracked by no position' }, { account, symbol });
 */
export interface AlertSink {
  raise(draft: AlertDraft, subject: AlertSubject): void;
  list(): Promise<readonly Alert[]>;
  /** Resolves once every alert raised so far is stored (or the store is out of reach); at once when nothing waits. */
  settled?(): Promise<void>;
}

export interface StoredAlert extends Alert {
  /** How many times this key was raised within the cooldown (1 for the first). */
  readonly count: number;
}

/**
 * `stored` (newest first) as it will read once `raised` (oldest first) are stored: each counted
 * into the newest alert of its key raised less than `cooldownMs` before it, else listed first
 * as a new alert — the store's own rule, so a list never shows one problem twice. Pure.
 */
export function withRaised(
  stored: readonly StoredAlert[],
  raised: readonly StoredAlert[],
  cooldownMs: number,
): StoredAlert[] {
  const out = [...stored];
  for (const alert of raised) {
    if (out.some((a) => a.id === alert.id)) continue; // stored already, its reply lost
    const i = out.findIndex((a) => a.key === alert.key);
    const latest = out[i];
    if (latest !== undefined && alert.at - latest.at < cooldownMs) out[i] = { ...latest, count: latest.count + 1 };
    else out.unshift(alert);
  }
  return out;
}

/** Alerts kept in this process only (the embedded simulator, tests): grouped, never delivered. */
export class MemoryAlertSink implements AlertSink {
  private readonly alerts: StoredAlert[] = [];
  private readonly lastByKey = new Map<string, number>();
  private seq = 0;

  constructor(
    private readonly now: () => number,
    private readonly cooldownMs: number,
    private readonly onAlert: (alert: StoredAlert) => void = () => {},
  ) {}

  raise(draft: AlertDraft, subject: AlertSubject): void {
    const key = alertKey(draft, subject);
    const at = this.now();
    const index = this.lastByKey.get(key);
    const previous = index === undefined ? undefined : this.alerts[index];
    if (index !== undefined && previous !== undefined && at - previous.at < this.cooldownMs) {
      this.alerts[index] = { ...previous, count: previous.count + 1 };
      return;
    }
    const alert: StoredAlert = {
      ...draft,
      id: `alert-${++this.seq}`,
      key,
      account: subject.account,
      symbol: subject.symbol,
      positionId: subject.positionId,
      at,
      count: 1,
    };
    this.lastByKey.set(key, this.alerts.length);
    this.alerts.push(alert);
    this.onAlert(alert);
  }

  /** The alerts, newest first (as the Redis sink lists them). */
  async list(): Promise<readonly StoredAlert[]> {
    return [...this.alerts].reverse();
  }
}
