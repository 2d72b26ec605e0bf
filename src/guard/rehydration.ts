/**
 * What a worker does with each stored position when it takes an account (see
 * docs/architecture.md, Persistence and ownership): restore it from its snapshot (migrated from
 * an older format); resume one journalled with no snapshot by looking its entry up — never by
 * sending it; quarantine one it cannot read (an alert names it; its symbol stays locked when it
 * is known); leave one whose market is no longer listed to the orphan sweep (alerted, its symbol
 * not locked). Pure: it decides, the account worker carries it out.
 *
 * @example
 * for (const step of planRehydration(records, unreadable, markets, resumeInput)) …
 */
import type { AlertDraft } from '../domain/alert.js';
import { errorText } from '../domain/errors.js';
import type { PositionId } from '../domain/ids.js';
import type { Market } from '../domain/market.js';
import type { PositionContext } from '../machines/position.context.js';
import { migrateSnapshot } from '../machines/position.migrate.js';
import type { StoredPosition, UnreadableRecord } from '../persistence/redis-store.js';

export type RehydrationStep =
  /** Restore from `snapshot` (a persisted snapshot, possibly built here). */
  | { readonly kind: 'restore'; readonly stored: StoredPosition; readonly market: Market; readonly snapshot: unknown }
  /** Start from the journal: the entry is looked up before anything concludes (`journalOnly`). */
  | { readonly kind: 'resume'; readonly stored: StoredPosition; readonly market: Market }
  /** Not driven; its symbol (when known) stays locked; `alert` names it. */
  | {
      readonly kind: 'quarantine';
      readonly id: PositionId;
      readonly symbol: string | undefined;
      readonly alert: AlertDraft;
    }
  /** Not driven and its symbol not locked: the orphan sweep reports what the venue holds there. */
  | { readonly kind: 'unlisted'; readonly id: PositionId; readonly symbol: string; readonly alert: AlertDraft };

export function planRehydration(
  account: string,
  stored: readonly StoredPosition[],
  unreadable: readonly UnreadableRecord[],
  markets: ReadonlyMap<string, Market>,
): RehydrationStep[] {
  const steps: RehydrationStep[] = unreadable.map((u) => ({
    kind: 'quarantine',
    id: u.id,
    symbol: u.symbol,
    alert: quarantineAlert(account, u.id, u.symbol, `its record ${u.key} ${u.reason}`),
  }));
  for (const s of stored) {
    const market = markets.get(s.intent.symbol);
    if (market === undefined) {
      steps.push({
        kind: 'unlisted',
        id: s.id,
        symbol: s.intent.symbol,
        alert: {
          kind: 'mismatch',
          topic: 'unlisted',
          message: `position ${s.id} is on ${s.intent.symbol}, which account ${account} no longer lists; posguard cannot drive it, a human should look`,
        },
      });
      continue;
    }
    if (s.snapshot === undefined) {
      steps.push({ kind: 'resume', stored: s, market });
      continue;
    }
    try {
      steps.push({ kind: 'restore', stored: s, market, snapshot: migrateSnapshot(s.snapshot) });
    } catch (e) {
      steps.push({
        kind: 'quarantine',
        id: s.id,
        symbol: s.intent.symbol,
        alert: quarantineAlert(account, s.id, s.intent.symbol, errorText(e)),
      });
    }
  }
  return steps;
}

function quarantineAlert(account: string, id: PositionId, symbol: string | undefined, why: string): AlertDraft {
  return {
    kind: 'mismatch',
    topic: 'unreadable',
    message:
      `position ${id}${symbol === undefined ? '' : ` on ${symbol}`} of account ${account} cannot be restored: ${why}. It is quarantined: ` +
      `posguard does not drive it${symbol === undefined ? '' : ' and opens nothing on its symbol'}; a human should look`,
  };
}

/**
 * The context a position journalled with no snapshot resumes with: its entry Unknown (it may
 * have left), its deadline armed from now, in `verifying`, where it is looked up by its client
 * order id. It is never sent from here.
 */
export function journalOnlyContext(
  initial: PositionContext,
  baseline: StoredPosition['baseline'],
  now: number,
): PositionContext {
  return {
    ...initial,
    baseline,
    entry: { ...initial.entry, send: 'unknown', sentAt: now },
    deadline: now + initial.spec.settings.timeoutMs,
    armedAt: now,
    attempts: 0,
    seenAt: now,
    reason: 'restored from its journal alone (no snapshot was written): its entry is looked up, never sent',
  };
}
