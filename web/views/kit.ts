/** What several views say the same way: protection, stuck, notional, a position's link. */
import { age, h, num, shortId, when } from '../dom.js';
import { state } from '../store.js';
import type { Position, Protection } from '../types.js';

export function isFinal(p: Position): boolean {
  return state.dash?.finalStates.includes(p.state) ?? (p.state === 'closed' || p.state === 'failed');
}

/** In a state it should not sit in for long, past `sweeps.stuckAfterMs`. */
export function isStuck(p: Position, now: number): boolean {
  const dash = state.dash;
  if (dash === undefined || isFinal(p) || dash.resting.includes(p.state)) return false;
  return now - p.since >= dash.stuckAfterMs;
}

/** Should hold a stop on the venue and none is confirmed working. */
export function isUnprotected(p: Position): boolean {
  return p.protection.kind === 'unconfirmed' || p.protection.kind === 'lost' || p.protection.kind === 'refused';
}

export function notional(p: Position): number | undefined {
  return p.entryPrice === undefined ? undefined : p.size * p.entryPrice;
}

export function unprotectedNotional(p: Position): number {
  return isUnprotected(p) && !isFinal(p) ? (notional(p) ?? 0) : 0;
}

/** "Is it protected?" in words, from the machine's `protectionOf`. */
export function protectionText(p: Protection, now: number): string {
  switch (p.kind) {
    case 'confirmed':
      return `confirmed ${p.at === undefined ? '' : `at ${when(p.at)}`} (${p.source ?? 'report'})`;
    case 'triggered':
      return `stop triggered ${p.at === undefined ? '' : `at ${when(p.at)}`}`;
    case 'unconfirmed':
      return `UNCONFIRMED since ${p.since === undefined ? '?' : `${age(now - p.since)}`}`;
    case 'lost':
      return `LOST ${p.since === undefined ? '' : `${age(now - p.since)} ago`}`;
    case 'refused':
      return `REFUSED: ${p.reason ?? ''}`;
    case 'notRequested':
      return 'no stop requested';
    case 'notNeeded':
      return 'nothing to protect';
  }
}

export function protectionBadge(p: Position, now: number): HTMLElement {
  const bad = isUnprotected(p) && !isFinal(p);
  return h(
    'span',
    { class: `prot ${p.protection.kind}${bad ? ' bad' : ''}`, 'data-protection': p.protection.kind },
    protectionText(p.protection, now),
  );
}

export function positionLink(id: string): HTMLElement {
  return h('a', { href: `#/position/${encodeURIComponent(id)}`, class: 'mono', title: id }, shortId(id));
}

export function money(n: number | undefined): string {
  return n === undefined ? '—' : num(Math.round(n * 100) / 100);
}
