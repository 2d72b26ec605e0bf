/**
 * The naive baseline: a faithful re-creation of the algorithm that caused the incident of
 * docs/architecture.md, The promise, talking to the same `ExchangePort` as posguard. It exists to show, in
 * tests and in the benchmark, what posguard prevents.
 *
 * DO NOT FIX THIS FILE. Every flaw below is the point: the side comes from the create
 * reply through a normaliser that writes `'unknown'` for a missing side; the order is
 * fetched afterwards only on Binance; one REST position query after 4 s decides "did not
 * open"; the rollback is "the opposite of the entry side" with the intent's amount and no
 * `reduceOnly`.
 *
 * Receives: one entry intent. Sends: a market entry and, when REST does not show the
 * position, a rollback order. Touches only the port and the injected clock.
 *
 * @example
 * const result = await runNaiveBot(port, clock, { symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43, clientOrderId });
 * result.verdict // 'rolled-back' on the incident: the venue now holds 86 long
 */
import type { Clock } from '../../src/clock.js';
import { asClientOrderId, type ClientOrderId } from '../../src/domain/ids.js';
import { isFlat } from '../../src/domain/reports.js';
import type { Side } from '../../src/domain/side.js';
import type { ExchangePort } from '../../src/exchange/port.js';

export interface NaiveIntent {
  readonly symbol: string;
  readonly side: Side;
  readonly amount: number;
  readonly clientOrderId: ClientOrderId;
}

export interface NaiveResult {
  readonly verdict: 'opened' | 'rolled-back';
  /** Clock time from sending the entry to the verdict (rollback sent, if any). */
  readonly elapsedMs: number;
  /** What the original normaliser made of the create reply's side. */
  readonly entrySide: Side | 'unknown';
  /** The side of the rollback order, when one was sent. */
  readonly rollbackSide: Side | undefined;
}

/** How long the original waited before it asked REST whether the entry had opened. */
export const NAIVE_WAIT_MS = 4_000;

export async function runNaiveBot(port: ExchangePort, clock: Clock, intent: NaiveIntent): Promise<NaiveResult> {
  const startedAt = clock.now();
  const { symbol, amount } = intent;
  const entry = await port.createOrder({
    symbol,
    side: intent.side,
    type: 'market',
    amount,
    clientOrderId: intent.clientOrderId,
    reduceOnly: false,
  });
  if (entry.kind !== 'accepted') throw new Error(`naive bot: entry ${entry.kind}: ${entry.reason}`);

  // The original normaliser: a missing side became the string 'unknown'.
  let side: Side | 'unknown' = entry.value.report?.side ?? 'unknown';
  // It completed the reply only on Binance.
  if (port.venue === 'binance') {
    side = (await port.fetchOrder({ venueOrderId: entry.value.venueOrderId }, symbol))?.side ?? side;
  }

  await new Promise<void>((resolve) => clock.setTimeout(resolve, NAIVE_WAIT_MS));
  const live = (await port.fetchPositions()).find((p) => p.symbol === symbol);
  if (live !== undefined && !isFlat(live))
    return { verdict: 'opened', elapsedMs: clock.now() - startedAt, entrySide: side, rollbackSide: undefined };

  // "Did not open": roll back with the opposite of the entry side ('unknown' !== 'buy' → 'buy').
  const rollbackSide: Side = side === 'buy' ? 'sell' : 'buy';
  await port.createOrder({
    symbol,
    side: rollbackSide,
    type: 'market',
    amount,
    clientOrderId: asClientOrderId(`${intent.clientOrderId}-rb`),
    reduceOnly: false,
  });
  return { verdict: 'rolled-back', elapsedMs: clock.now() - startedAt, entrySide: side, rollbackSide };
}
