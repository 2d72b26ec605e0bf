/**
 * What one account knows of each symbol's position, freshest first: the stream's reports, the
 * resync's reads, and the last report of every position that ended. A report replaces the one
 * kept only if it shows a later state (`supersedes`): a lagging REST read never overrules the
 * stream. Sweeps judge a venue read against it (a read no newer than what is known is stale,
 * so no ghost is adopted), and an entry's baseline is never older than it.
 *
 * Receives: reports from the account's routing and from positions that end. Sends nothing.
 *
 * @example
 * evidence.note(report);
 * evidence.latest('AVL/USDT:USDT') // the freshest report known, or undefined
 */
import { sourceLags, supersedes, type SourceLags } from '../domain/freshness.js';
import type { PositionStatusReport } from '../domain/reports.js';

export class SymbolEvidence {
  private readonly bySymbol = new Map<string, PositionStatusReport>();
  private readonly lags: SourceLags;

  constructor(restLagMs: number) {
    this.lags = sourceLags(restLagMs);
  }

  /** Keeps `report` if it shows a later state of its symbol than the one kept. */
  note(report: PositionStatusReport): void {
    const kept = this.bySymbol.get(report.symbol);
    if (kept === undefined || supersedes(report, kept, this.lags)) this.bySymbol.set(report.symbol, report);
  }

  latest(symbol: string): PositionStatusReport | undefined {
    return this.bySymbol.get(symbol);
  }

  /** Every symbol's freshest known report (for a sweep). */
  all(): ReadonlyMap<string, PositionStatusReport> {
    return this.bySymbol;
  }

  clear(): void {
    this.bySymbol.clear();
  }
}
