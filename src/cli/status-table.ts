/**
 * `posguard status` as a table: one line per position with its state, how long it has been
 * in it, and whether it is protected. Pure.
 *
 * @example
 * out(statusTable(rows, Date.now()));
 */
import type { PositionSummary } from '../service/guard-api.js';

/** `42s`, `3m05s`, `2h10m`, `3d4h`. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}

const PROTECTION_TEXT: Readonly<Record<string, string>> = {
  none: 'no stop asked', pending: 'UNCONFIRMED', confirmed: 'stop confirmed', refused: 'STOP REFUSED', lost: 'STOP LOST',
  triggered: 'stop triggered', ended: '-',
};

export function statusTable(rows: readonly PositionSummary[], now: number): string {
  if (rows.length === 0) return 'no positions\n';
  const header = ['ID', 'ACCOUNT', 'SYMBOL', 'SIDE', 'SIZE', 'STATE', 'IN STATE', 'PROTECTION'];
  const lines = rows.map((r) => [
    r.id, r.account, r.symbol, r.side, `${r.size}/${r.amount}`, r.state, age(now - r.since), PROTECTION_TEXT[r.protection] ?? r.protection,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return `${[fmt(header), ...lines.map(fmt)].join('\n')}\n`;
}
