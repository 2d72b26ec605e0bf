/**
 * `posguard status` as a table: one line per position with its state, how long it has been
 * in it, and whether it is protected. Pure.
 *
 * @example
 * out(statusTable(rows, Date.now()));
 */
import type { Protection } from '../machines/position.queries.js';
import type { PositionSummary } from '../service/guard-api.js';

/** `42s`, `3m05s`, `2h10m`, `3d4h`. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}

/** A protection as a few words; the worrying ones in capitals. */
function protectionText(p: Protection, now: number): string {
  switch (p.kind) {
    case 'notRequested':
      return 'no stop asked';
    case 'notNeeded':
      return '-';
    case 'confirmed':
      return 'stop confirmed';
    case 'triggered':
      return 'stop triggered';
    case 'unconfirmed':
      return `UNCONFIRMED for ${age(now - p.since)}`;
    case 'lost':
      return `STOP LOST ${age(now - p.since)} ago`;
    case 'refused':
      return `STOP REFUSED (${p.reason})`;
  }
}

export function statusTable(rows: readonly PositionSummary[], now: number): string {
  if (rows.length === 0) return 'no positions\n';
  const header = ['ID', 'ACCOUNT', 'SYMBOL', 'SIDE', 'SIZE', 'STATE', 'IN STATE', 'PROTECTION'];
  const lines = rows.map((r) => [
    r.id,
    r.account,
    r.symbol,
    r.side,
    `${r.size}/${r.amount}`,
    r.state,
    age(now - r.since),
    protectionText(r.protection, now),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[fmt(header), ...lines.map(fmt)].join('\n')}\n`;
}
