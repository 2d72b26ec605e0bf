/**
 * How an alert reads to a human (Telegram, email): pure formatting, no I/O. Plain text, so
 * that no Markdown or HTML escaping can break a message or turn a symbol into markup.
 *
 * @example
 * alertText(alert);
 * // posguard alert: orphan
 * // account: main
 * // symbol: AVL/USDT:USDT
 * // position: -
 * // time: 2025-11-24T12:00:00.000Z
 * //
 * // AVL/USDT:USDT long 43 on the exchange is tracked by no position
 */
import type { StoredAlert } from './alert-sink.js';

/** Telegram refuses texts over 4096 characters; stay clear of it. */
const MAX_TEXT = 4_000;

/** The alert's time as ISO 8601 (UTC), or the raw number if it is not a valid time. */
export function alertTime(at: number): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? String(at) : date.toISOString();
}

/**
 * The body of a Telegram message or an email: kind, account, symbol, position id, time, how
 * many times it was raised (when grouped), then the message.
 *
 * @example
 * alertText({ ...alert, count: 3 }).includes('raised 3 times'); // true
 */
export function alertText(alert: StoredAlert): string {
  const lines = [
    `posguard alert: ${alert.kind}`,
    `account: ${alert.account}`,
    `symbol: ${alert.symbol ?? '-'}`,
    `position: ${alert.positionId ?? '-'}`,
    `time: ${alertTime(alert.at)}`,
  ];
  if (alert.count > 1) lines.push(`raised ${alert.count} times within the cooldown`);
  const text = `${lines.join('\n')}\n\n${alert.message}`;
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;
}

/**
 * A one-line summary for an email subject.
 *
 * @example
 * alertSubjectLine(alert); // '[posguard] orphan: main AVL/USDT:USDT'
 */
export function alertSubjectLine(alert: StoredAlert): string {
  const where = [alert.account, alert.symbol, alert.positionId].filter((s) => s !== undefined && s !== '').join(' ');
  return `[posguard] ${alert.kind}: ${where}`.replace(/[\r\n]+/g, ' ');
}
