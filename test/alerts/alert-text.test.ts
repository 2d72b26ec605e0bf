import { describe, expect, it } from 'vitest';
import { alertSubjectLine, alertText, alertTime } from '../../src/alerts/alert-text.js';
import { positionIdOf, sampleAlert } from './support.js';

describe('the text of an alert', () => {
  it('shows kind, account, symbol, position id, ISO time and the message, one per line', () => {
    const text = alertText(sampleAlert({ positionId: positionIdOf('pos-01J') }));
    expect(text).toBe(
      [
        'posguard alert: orphan',
        'account: main',
        'symbol: AVL/USDT:USDT',
        'position: pos-01J',
        'time: 2025-11-24T16:00:00.000Z',
        '',
        'AVL/USDT:USDT long 43 on the exchange is tracked by no position',
      ].join('\n'),
    );
  });

  it('says how many times a grouped alert was raised, and shows a dash for what the alert does not have', () => {
    const text = alertText(sampleAlert({ symbol: undefined, count: 3 }));
    expect(text).toContain('symbol: -\nposition: -');
    expect(text).toContain('raised 3 times within the cooldown');
  });

  it('stays under the Telegram limit of 4096 characters', () => {
    expect(alertText(sampleAlert({ message: 'x'.repeat(10_000) })).length).toBeLessThanOrEqual(4_000);
  });

  it('makes a one-line email subject even from a symbol with a line break in it', () => {
    expect(alertSubjectLine(sampleAlert())).toBe('[posguard] orphan: main AVL/USDT:USDT');
    expect(alertSubjectLine(sampleAlert({ symbol: 'A\r\nBcc: x@y' }))).not.toMatch(/[\r\n]/);
  });

  it('writes an invalid time as the number it is', () => {
    expect(alertTime(Number.NaN)).toBe('NaN');
  });
});
