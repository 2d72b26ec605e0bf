/**
 * The zod schema of the posguard config file (see docs/architecture.md, Public contracts). Every object is strict: an
 * unknown key is an error, so a typo never falls back to a default silently. Defaults are the
 * numbers the README shows; nested objects use `prefault({})` so that their own defaults apply
 * when the whole object is omitted.
 *
 * Error messages never echo a string the user gave (it may be a secret), only its type.
 *
 * @example
 * const result = configSchema.safeParse(JSON.parse(text));
 */
import { z } from 'zod';
import { asAccountId } from '../domain/ids.js';
import { editDistance } from '../domain/suggest.js';

/** Positive safe integer: milliseconds, counts. */
const positiveInt = () => z.int().positive();
const nonEmpty = () => z.string().min(1);

const url = (protocols: readonly string[]) => {
  const expected = `a valid ${protocols.map((p) => `${p}://`).join(' or ')} URL`;
  return z.url({
    protocol: new RegExp(`^(?:${protocols.join('|')})$`),
    error: (issue) => (issue.input === undefined ? `required (expected ${expected})` : `expected ${expected}`),
  });
};
const httpUrl = () => url(['http', 'https']);

/** `z.strictObject` whose unknown-key error lists the keys it knows and suggests the nearest. */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, known) : undefined),
  });
}

function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  const list = keys.map((k) => `'${k}'`).join(', ');
  const first = keys[0] ?? '';
  const near = known.find(
    (k) => editDistance(k.toLowerCase(), first.toLowerCase()) <= Math.max(1, Math.floor(k.length / 4)),
  );
  const hint = near !== undefined && keys.length === 1 ? ` (did you mean '${near}'?)` : '';
  return `unknown key${keys.length > 1 ? 's' : ''} ${list}${hint}; expected one of: ${known.join(', ')}`;
}

const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const EXCHANGE_ID = /^[a-z][a-z0-9]*$/;

const accountSchema = strict({
  id: z
    .string()
    .regex(ACCOUNT_ID, {
      error: 'expected an account id of 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit',
    })
    .transform(asAccountId),
  exchange: z.string().regex(EXCHANGE_ID, {
    error: "expected a ccxt exchange id in lower case (e.g. 'bybit', 'binanceusdm') or 'sim'",
  }),
  apiKey: nonEmpty().optional(),
  secret: nonEmpty().optional(),
  /** The API passphrase some venues (okx, kucoin, …) require. */
  password: nonEmpty().optional(),
  testnet: z.boolean().default(false),
  urls: strict({
    rest: httpUrl().optional(),
    ws: url(['ws', 'wss']).optional(),
    /**
     * Bybit's public linear stream (the ticker the entry fast path reads its price from), when
     * `ws` points elsewhere than Bybit (the wire simulator, a proxy): without it, no ticker is read
     * and every entry fetches its price. Other venues read their public streams at `ws`.
     */
    publicWs: url(['ws', 'wss']).optional(),
  }).optional(),
}).superRefine((account, ctx) => {
  if (account.urls?.publicWs !== undefined && account.exchange !== 'bybit') {
    ctx.addIssue({
      code: 'custom',
      path: ['urls', 'publicWs'],
      message: `only a 'bybit' account has a public stream URL of its own; '${account.exchange}' reads its public streams at urls.ws (remove urls.publicWs)`,
    });
  }
  // An exchange id that is itself invalid already has its issue; credentials follow once it is fixed.
  if (account.exchange === 'sim' || !EXCHANGE_ID.test(account.exchange)) return;
  for (const field of ['apiKey', 'secret'] as const) {
    if (account[field] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `required for exchange '${account.exchange}' (only 'sim' accounts run without API credentials)`,
      });
    }
  }
});

const accountsSchema = z
  .array(accountSchema)
  .min(1, { error: "expected at least one account (omit 'accounts' to run on the embedded simulator)" })
  .superRefine((accounts, ctx) => {
    const seen = new Map<string, number>();
    accounts.forEach((account, i) => {
      const first = seen.get(account.id);
      if (first === undefined) seen.set(account.id, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: [i, 'id'],
          message: `duplicate account id '${account.id}' (already used by accounts[${first}]); account ids must be unique`,
        });
    });
  })
  .default(() => [{ id: asAccountId('paper'), exchange: 'sim', testnet: false }]);

const verificationSchema = strict({
  timeoutMs: positiveInt().default(30_000),
  unknownAlertAfterMs: positiveInt().default(60_000),
  closeVerifyAttempts: positiveInt().default(10),
  closeVerifyWindowMs: positiveInt().default(10_000),
  restLagMs: positiveInt().default(5_000),
  reportStaleMs: positiveInt().default(2_000),
  feedDownPollMs: positiveInt().default(1_000),
});

const sweepsSchema = strict({
  orphanEveryMs: positiveInt().default(300_000),
  reconcileEveryMs: positiveInt().default(600_000),
  orphanPolicy: z.enum(['alert', 'adopt', 'flatten']).default('alert'),
  stuckAfterMs: positiveInt().default(300_000),
  ignoreClientOrderIdPrefixes: z.array(nonEmpty()).default(() => []),
});

/** Telegram chat ids are integers (negative for groups) or `@channelname`; kept as a string. */
const chatId = z
  .union([nonEmpty(), z.int()], { error: "expected a chat id: an integer or a string such as '@channel'" })
  .transform(String);

const alertsSchema = strict({
  webhook: strict({ url: httpUrl(), secret: nonEmpty().optional() }).optional(),
  telegram: strict({
    botToken: nonEmpty(),
    chatId,
    apiUrl: httpUrl().default('https://api.telegram.org'),
  }).optional(),
  email: strict({
    smtp: url(['smtp', 'smtps']),
    from: z.string().regex(/@/, { error: 'expected an email address' }),
    to: z.array(z.string().regex(/@/, { error: 'expected an email address' })).min(1),
  }).optional(),
  cooldownMs: positiveInt().default(600_000),
  heartbeat: strict({ url: httpUrl(), everyMs: positiveInt().default(60_000) }).optional(),
});

/** Who may do what through the HTTP API (see docs/architecture.md, Public contracts): `read`, `trade`, `admin`. */
const SCOPES = ['read', 'trade', 'admin'] as const;
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const HOST_NAME = /^[A-Za-z0-9._-]+$|^\[[0-9A-Fa-f:.]+\]$/;

/** Named API tokens; `http.token` is the admin token named `default`, so that name is taken. */
const tokensSchema = z
  .array(
    strict({
      name: z
        .string()
        .regex(TOKEN_NAME, { error: 'expected a token name of 1 to 64 letters, digits, "_", "." or "-"' }),
      token: z.string().min(16, { error: 'expected a token of at least 16 characters' }),
      scopes: z.array(z.enum(SCOPES)).min(1),
    }),
  )
  .superRefine((tokens, ctx) => {
    const names = new Map<string, number>();
    const values = new Map<string, number>();
    tokens.forEach((t, i) => {
      if (t.name === 'default')
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: "'default' is the name of http.token; choose another",
        });
      const sameName = names.get(t.name);
      if (sameName !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `duplicate token name (already used by http.tokens[${sameName}])`,
        });
      names.set(t.name, i);
      const sameValue = values.get(t.token);
      if (sameValue !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'token'],
          message: `the same token as http.tokens[${sameValue}]; every token must be distinct`,
        });
      values.set(t.token, i);
    });
  });

/** The whole config file. `z.input` is what users write, `z.output` what posguard reads. */
export const configSchema = strict({
  redis: url(['redis', 'rediss']).default('redis://127.0.0.1:6379/0'),
  http: strict({
    host: nonEmpty().default('127.0.0.1'),
    port: z.int().min(1).max(65_535).default(7070),
    token: nonEmpty().optional(),
    tokens: tokensSchema.optional(),
    allowedHosts: z
      .array(
        z
          .string()
          .regex(HOST_NAME, { error: 'expected a host name without scheme or port (e.g. "posguard.internal")' }),
      )
      .optional(),
    /** A label for this deployment on the dashboard and the board (`paper` or `live` unless given). */
    environment: z.string().min(1).max(40).optional(),
    /** bull-board at /queues: read-only unless `writable` (its writes can remove jobs and schedulers). */
    board: strict({ writable: z.boolean().default(false) }).optional(),
  }).prefault({}),
  accounts: accountsSchema,
  verification: verificationSchema.prefault({}),
  protection: strict({
    onFailure: z.enum(['rollback', 'alert']).default('rollback'),
    /** The price that fires every stop: the mark price, or the last traded price (Bybit `triggerBy`, Binance `workingType`). */
    triggerBy: z.enum(['mark', 'last']).default('mark'),
    /** Stops that reached the venue one position places at most (the first and its replacements), then a `protectionLost` alert. */
    maxStops: positiveInt().default(5),
  }).prefault({}),
  /** Close orders one close request may send (each may have executed) before the position goes to verification and a human. */
  closing: strict({ maxOrders: positiveInt().default(3) }).prefault({}),
  /**
   * The restart budgets of the supervisors (docs/architecture.md, Supervision): an account's
   * supervisor restarts a crashed child at most `restarts` times in `periodMs`, then gives
   * the account up; the guard's root supervisor at most `guardRestarts` times, then halts.
   */
  supervision: strict({
    restarts: positiveInt().default(5),
    periodMs: positiveInt().default(60_000),
    guardRestarts: positiveInt().default(3),
  }).prefault({}),
  ownership: strict({ leaseTtlMs: positiveInt().default(15_000) }).prefault({}),
  sweeps: sweepsSchema.prefault({}),
  alerts: alertsSchema.prefault({}),
});
