/**
 * What each venue error code means for posguard (see docs/architecture.md, Principles): a definitive refusal
 * (`rejected`, with a label), "not processed, try later" (`rate-limited`), "an earlier send
 * may have landed" (`duplicate`, an `Unknown`), "order not found", or "status unknown"
 * (`unknown`: the venue itself says it may have processed the request). Codes from Bybit v5's
 * and Binance USD-M's error tables; `HTTP_<status>` stands for an IP-level limit answered by HTTP
 * status alone (rate-limit-state.ts). A code not listed is `unknown`: a refusal is never
 * assumed. Pure data.
 *
 * @example
 * classifyCode(BYBIT_CODES, '110017') // { kind: 'rejected', label: 'REDUCE_ONLY_WOULD_INCREASE' }
 */

/** The meaning of one venue code. */
export type CodeClass =
  | { readonly kind: 'rejected'; readonly label: string }
  | { readonly kind: 'rate-limited' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'unknown'; readonly label: string };

export type CodeTable = Readonly<Record<string, CodeClass>>;

const rejected = (label: string): CodeClass => ({ kind: 'rejected', label });
const unknown = (label: string): CodeClass => ({ kind: 'unknown', label });
const RATE: CodeClass = { kind: 'rate-limited' };
const DUPLICATE: CodeClass = { kind: 'duplicate' };
const NOT_FOUND: CodeClass = { kind: 'not-found' };

function table(groups: readonly (readonly [CodeClass, readonly (string | number)[]])[]): CodeTable {
  const out: Record<string, CodeClass> = {};
  for (const [meaning, codes] of groups) for (const code of codes) out[String(code)] = meaning;
  return out;
}

/** Bybit v5 `retCode`s (https://bybit-exchange.github.io/docs/v5/error). */
export const BYBIT_CODES: CodeTable = table([
  [unknown('SERVER_TIMEOUT'), [10000]],
  [unknown('SERVER_ERROR'), [10016, 10019]],
  [rejected('INVALID_REQUEST'), [10001, 10017, 170130]],
  [rejected('TIMESTAMP_OUTSIDE_WINDOW'), [10002]],
  [rejected('AUTHENTICATION'), [10003, 10004, 10007]],
  [rejected('PERMISSION_DENIED'), [10005, 10009, 10010, 10024, 10027]],
  // 10006/10018: the per-UID limit; HTTP 403 (IP limit) and 429 (system protection) come by status alone.
  [RATE, [10006, 10018, 'HTTP_403', 'HTTP_429']],
  [NOT_FOUND, [110001, 170213]],
  [rejected('INVALID_PRICE'), [110003]],
  [rejected('INSUFFICIENT_FUNDS'), [110004, 110007, 110012, 110044, 110045, 131001]],
  [rejected('ORDER_NOT_OPEN'), [110008]],
  [rejected('ORDER_LIMIT_EXCEEDED'), [110009, 110020]],
  [rejected('REDUCE_ONLY_WOULD_INCREASE'), [110017]],
  [rejected('WOULD_LIQUIDATE'), [110040]],
  [rejected('SETTLEMENT_IN_PROGRESS'), [110063]],
  [DUPLICATE, [110072]],
  [rejected('INVALID_TRIGGER_PRICE'), [110092, 110093]],
  [rejected('MIN_NOTIONAL'), [110094]],
]);

/** Binance USD-M `code`s (https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code). */
export const BINANCE_CODES: CodeTable = table([
  [unknown('UNKNOWN'), [-1000]],
  [unknown('DISCONNECTED'), [-1001]],
  [unknown('UNEXPECTED_RESPONSE'), [-1006]],
  [unknown('TIMEOUT'), [-1007]],
  // -1003 and HTTP 429/418: the IP's limit or ban; 403: the WAF limit. -4131: a market order the
  // PERCENT_PRICE protection refused (the book is too thin now): not processed, try later.
  [RATE, [-1003, -1008, -1015, -4131, 'HTTP_403', 'HTTP_418', 'HTTP_429']],
  // -5028: outside the matching engine's recvWindow, not processed (as -1021).
  [rejected('TIMESTAMP_OUTSIDE_WINDOW'), [-1021, -5028]],
  [rejected('AUTHENTICATION'), [-1022, -2014, -2015]],
  [
    rejected('INVALID_REQUEST'),
    [
      -1100, -1101, -1102, -1103, -1104, -1105, -1106, -1111, -1112, -1114, -1115, -1116, -1117, -1121, -1125, -1127,
      -1128, -1130,
    ],
  ],
  [rejected('ORDER_REJECTED'), [-2010, -4120, -5021, -5022]],
  [rejected('CANCEL_REJECTED'), [-2011]],
  [NOT_FOUND, [-2013]],
  [rejected('INSUFFICIENT_FUNDS'), [-2018, -2019, -2027, -2028]],
  [rejected('INVALID_TRIGGER_PRICE'), [-2021]],
  [rejected('REDUCE_ONLY_WOULD_INCREASE'), [-2022, -4118]],
  [rejected('INVALID_ORDER'), [-4003, -4004, -4005, -4013, -4014, -4015, -4023, -4024]],
  [rejected('POSITION_SIDE_MISMATCH'), [-4061]],
  [DUPLICATE, [-4116]],
  [rejected('MIN_NOTIONAL'), [-4164]],
]);

/** The meaning of `code` in `codes`; `unknown` when the table does not list it. */
export function classifyCode(codes: CodeTable, code: string): CodeClass {
  return codes[code] ?? unknown('UNRECOGNISED_VENUE_CODE');
}
