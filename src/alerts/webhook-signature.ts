/**
 * The webhook signature scheme (pure; `node:crypto` only). A receiver checks it to know that
 * a POST came from this posguard deployment and is not an old one replayed.
 *
 * Headers of every webhook POST:
 * - `X-Posguard-Timestamp: <ms since the epoch>`: when the request was signed.
 * - `X-Posguard-Signature: sha256=<hex>`: HMAC-SHA256, keyed with `alerts.webhook.secret`, of
 *   the string `<timestamp>.<raw body>` (the timestamp header's value, a dot, the exact bytes
 *   of the body as received). Present only when a secret is configured.
 * - `X-Posguard-Alert-Id: <alert id>`: delivery is at least once (a retried job may POST
 *   again after a lost reply), so receivers drop repeats of the same id.
 *
 * A receiver recomputes the HMAC over the raw body (before any JSON parsing), compares in
 * constant time, and refuses a timestamp more than its tolerance (5 minutes here) away from
 * its own clock: a captured request cannot be replayed later, and the timestamp cannot be
 * changed without breaking the signature.
 *
 * @example
 * const ts = String(Date.now());
 * const signature = signWebhook(secret, ts, body); // 'sha256=…'
 * verifyWebhook({ secret, timestamp: ts, signature, body, now: Date.now() }); // true
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Posguard-Signature';
export const TIMESTAMP_HEADER = 'X-Posguard-Timestamp';
export const ALERT_ID_HEADER = 'X-Posguard-Alert-Id';

/** How far a timestamp may be from the receiver's clock, unless it says otherwise. */
export const DEFAULT_TOLERANCE_MS = 5 * 60_000;

/**
 * The value of `X-Posguard-Signature` for this timestamp and raw body.
 *
 * @example
 * signWebhook('s3cret', '1764000000000', '{"kind":"orphan"}'); // 'sha256=<64 hex digits>'
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver got, to check with `verifyWebhook`. */
export interface WebhookCheck {
  readonly secret: string;
  /** The `X-Posguard-Timestamp` header as received. */
  readonly timestamp: string | undefined;
  /** The `X-Posguard-Signature` header as received. */
  readonly signature: string | undefined;
  /** The raw body as received. */
  readonly body: string;
  /** The receiver's time, ms since the epoch. */
  readonly now: number;
  readonly toleranceMs?: number;
}

/**
 * Whether a received webhook is genuine and fresh: the signature matches, in constant time,
 * and the timestamp is within the tolerance of `now`.
 *
 * @example
 * verifyWebhook({ secret, timestamp: req.headers['x-posguard-timestamp'], signature: req.headers['x-posguard-signature'], body, now: Date.now() });
 */
export function verifyWebhook(check: WebhookCheck): boolean {
  const { timestamp, signature } = check;
  if (timestamp === undefined || signature === undefined || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(check.now - Number(timestamp)) > (check.toleranceMs ?? DEFAULT_TOLERANCE_MS)) return false;
  const expected = Buffer.from(signWebhook(check.secret, timestamp, check.body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
