import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../../src/alerts/webhook-signature.js';

const secret = 'SENTINEL-WEBHOOK-SECRET';
const body = '{"kind":"orphan","account":"main"}';
const ts = '1764000000000';
const now = 1_764_000_000_000;

describe('the webhook signature', () => {
  it('is sha256= and 64 hex digits, keyed by the secret over "<timestamp>.<body>"', () => {
    expect(signWebhook(secret, ts, body)).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signWebhook(secret, ts, body)).not.toBe(signWebhook('other', ts, body));
  });

  it('verifies a genuine, fresh request', () => {
    expect(
      verifyWebhook({ secret, timestamp: ts, signature: signWebhook(secret, ts, body), body, now: now + 1_000 }),
    ).toBe(true);
  });

  it.each([
    ['a changed body', { body: body.replace('main', 'paper') }],
    ['a changed timestamp (a replay made to look fresh)', { timestamp: '1764000099000', now: 1_764_000_099_000 }],
    ['the wrong secret', { secret: 'guess' }],
    ['a missing signature', { signature: undefined }],
    ['a missing timestamp', { timestamp: undefined }],
    ['a replay after the tolerance', { now: now + 5 * 60_000 + 1 }],
    ['a signature of another length', { signature: 'sha256=abc' }],
  ])('refuses %s', (_, change) => {
    const check = {
      secret,
      timestamp: ts as string | undefined,
      signature: signWebhook(secret, ts, body) as string | undefined,
      body,
      now,
      ...change,
    };
    expect(verifyWebhook(check)).toBe(false);
  });
});
