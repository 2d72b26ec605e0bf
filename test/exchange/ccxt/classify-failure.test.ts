/**
 * The meaning of each kind of failure of a state-changing call, by ccxt class and by venue
 * code: refusals `rejected`, anything that may have been processed `unknown`, and nothing
 * that never left is ever `unknown`.
 */
import {
  AuthenticationError,
  BadResponse,
  DDoSProtection,
  DuplicateOrderId,
  ExchangeError,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidOrder,
  NetworkError,
  NullResponse,
  OrderNotFound,
  RateLimitExceeded,
  RequestTimeout,
} from 'ccxt';
import { describe, expect, it } from 'vitest';
import { DUPLICATE_CLIENT_ORDER_ID, isTransientRefusal } from '../../../src/domain/outcome.js';
import {
  BINANCE_CODES,
  BYBIT_CODES,
  VenueRefusal,
  VenueServerError,
  classifyFailure,
} from '../../../src/exchange/ccxt/index.js';

describe('classifyFailure', () => {
  it.each<[string, unknown, string, string]>([
    ['a request timeout', new RequestTimeout('timed out'), 'unknown', 'TIMEOUT'],
    ['a network error', new NetworkError('ECONNRESET'), 'unknown', 'NETWORK_ERROR'],
    ['an exchange not available (5xx by ccxt)', new ExchangeNotAvailable('502'), 'unknown', 'NETWORK_ERROR'],
    ['an HTTP 5xx', new VenueServerError('bybit', 503), 'unknown', 'SERVER_ERROR'],
    ['a bad response', new BadResponse('garbled'), 'unknown', 'UNPARSEABLE_REPLY'],
    ['a null response', new NullResponse('empty'), 'unknown', 'UNPARSEABLE_REPLY'],
    [
      'a parse crash',
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      'unknown',
      'UNPARSEABLE_REPLY',
    ],
    ['an unclassified exchange error', new ExchangeError('something'), 'unknown', 'UNRECOGNISED_ERROR'],
    ['a duplicate order id', new DuplicateOrderId('dup'), 'unknown', DUPLICATE_CLIENT_ORDER_ID],
    ['a rate limit', new RateLimitExceeded('429'), 'rejected', 'RATE_LIMITED'],
    ['a DDoS protection', new DDoSProtection('418'), 'rejected', 'RATE_LIMITED'],
    ['an authentication error', new AuthenticationError('401'), 'rejected', 'AUTHENTICATION'],
    ['insufficient funds', new InsufficientFunds('margin'), 'rejected', 'INSUFFICIENT_FUNDS'],
    ['an invalid order', new InvalidOrder('precision'), 'rejected', 'INVALID_ORDER'],
    ['an order not found', new OrderNotFound('gone'), 'not-found', 'ORDER_NOT_FOUND'],
  ])('after sending, %s is %s', (_what, error, kind, code) => {
    expect(classifyFailure(error, { sent: true })).toMatchObject({ kind, code });
  });

  it('before sending, anything is rejected: nothing reached the venue', () => {
    expect(classifyFailure(new NetworkError('no socket'), { sent: false })).toMatchObject({
      kind: 'rejected',
      code: 'NOT_SENT',
    });
  });

  it('reads venue codes from the reply hook, not from ccxt classes', () => {
    expect(
      classifyFailure(new VenueRefusal('bybit', '110017', 'Reduce-only rule not satisfied', 200), {
        sent: true,
        codes: BYBIT_CODES,
      }),
    ).toMatchObject({ kind: 'rejected', code: 'REDUCE_ONLY_WOULD_INCREASE' });
    expect(
      classifyFailure(new VenueRefusal('binanceusdm', '-1003', 'Too many requests', 429, 3_000), {
        sent: true,
        codes: BINANCE_CODES,
      }),
    ).toEqual(expect.objectContaining({ kind: 'rejected', code: 'RATE_LIMITED', retryAfterMs: 3_000 }));
    expect(
      classifyFailure(new VenueRefusal('binanceusdm', '-2013', 'Order does not exist.', 400), {
        sent: true,
        codes: BINANCE_CODES,
      }),
    ).toMatchObject({ kind: 'not-found' });
  });

  it.each<[string, string, string]>([
    ['binanceusdm', '-4131', 'PERCENT_PRICE refused a market order'],
    ['binanceusdm', '-5028', "outside the matching engine's recvWindow"],
    ['binanceusdm', 'HTTP_418', 'an IP ban'],
    ['binanceusdm', 'HTTP_403', 'the WAF limit'],
    ['bybit', 'HTTP_403', 'the IP limit'],
    ['bybit', 'HTTP_429', 'system-level protection'],
    ['bybit', '10006', 'the per-UID limit'],
  ])('keeps %s %s (%s) a transient refusal: not processed, try later', (venue, code, _why) => {
    const failure = classifyFailure(new VenueRefusal(venue, code, 'refused', 400), {
      sent: true,
      codes: venue === 'bybit' ? BYBIT_CODES : BINANCE_CODES,
    });
    expect(failure.kind).toBe('rejected');
    expect(isTransientRefusal({ kind: failure.kind, code: failure.code })).toBe(true);
  });

  it('removes credentials from the reason', () => {
    const failure = classifyFailure(new NetworkError('GET https://x/?key=sekrit-key failed'), {
      sent: true,
      redact: (t) => t.split('sekrit-key').join('***'),
    });
    expect(failure.reason).not.toContain('sekrit-key');
  });
});
