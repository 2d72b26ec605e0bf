/**
 * `normalizePosition`: a ccxt position (what `fetchPositions` and `watchPositions` return) into
 * a `PositionStatusReport`, fail-fast (see docs/architecture.md, Principles). A flat position (`contracts`
 * 0; Bybit sends `side: ""`, Binance `positionSide: "BOTH"`) is a positive flat report with
 * `side: undefined` and `size: 0`; a non-flat position without a `long`/`short` side, or a
 * position without a symbol or a readable size, throws `MalformedPositionReply` — never a
 * guessed side. The venue's sequence number (Bybit's `seq`) is passed in by the caller.
 *
 * @example
 * normalizePosition({ symbol: 'AVL/USDT:USDT', side: undefined, contracts: 0 }, { source: 'stream', receivedAt, venueSeq: 7 })
 * // { symbol: 'AVL/USDT:USDT', side: undefined, size: 0, venueSeq: 7, … }
 */
import type { PositionStatusReport, ReportSource } from '../../domain/reports.js';
import { MalformedPositionReply } from './errors.js';

export interface PositionNormalizeContext {
  readonly source: ReportSource;
  readonly receivedAt: number;
  /** The venue's sequence number of this state, where it gives one. */
  readonly venueSeq?: number | undefined;
  /** The hedge-mode index (1 long side, 2 short side), where the venue gives one. */
  readonly hedgeIndex?: number | undefined;
  /** The venue's time of the state, when the profile reads it better than ccxt's timestamp. */
  readonly venueTime?: number | undefined;
}

function positive(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function describe(v: unknown): string {
  return v === undefined || v === null || v === '' ? 'no value' : `an unrecognised value ${JSON.stringify(v)}`;
}

/** See the module header. */
export function normalizePosition(raw: unknown, ctx: PositionNormalizeContext): PositionStatusReport {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new MalformedPositionReply('(reply)', undefined, 'no position object');
  const p = raw as Record<string, unknown>;
  const symbol = p.symbol;
  if (typeof symbol !== 'string' || symbol === '')
    throw new MalformedPositionReply('symbol', undefined, describe(symbol));
  const contracts = typeof p.contracts === 'string' && p.contracts.trim() !== '' ? Number(p.contracts) : p.contracts;
  if (typeof contracts !== 'number' || !Number.isFinite(contracts) || contracts < 0) {
    throw new MalformedPositionReply('contracts', symbol, describe(p.contracts));
  }
  const side = contracts === 0 ? undefined : p.side === 'long' ? 'buy' : p.side === 'short' ? 'sell' : null;
  if (side === null)
    throw new MalformedPositionReply('side', symbol, `${describe(p.side)} for a position of ${contracts}`);
  return {
    source: ctx.source,
    receivedAt: ctx.receivedAt,
    venueTime: ctx.venueTime ?? positive(p.lastUpdateTimestamp) ?? positive(p.timestamp),
    venueSeq: ctx.venueSeq,
    symbol,
    side,
    size: contracts,
    entryPrice: contracts === 0 ? undefined : positive(p.entryPrice),
    markPrice: positive(p.markPrice),
    ...(ctx.hedgeIndex === undefined ? {} : { hedgeIndex: ctx.hedgeIndex }),
  };
}
