/**
 * Fault knobs of the simulated venue, as plain JSON data (an admin endpoint can post them).
 * A rule names a fault, when it applies (`always`, the next N calls or events, or a window
 * `[from, until)` on the venue clock) and optionally one account. Receives rules; answers
 * "is this fault on for this account and call now?" and counts calls down; touches nothing
 * else. The venue reacts to changes through `onChange` (to emit `down`/`up`).
 *
 * What one "call" is for each fault: a create for `minimalCreateReply`, `orderIndexDelay`,
 * `reject`; a market execution for `partialFill` and `marketProtection` (a market create on
 * Binance); a stop trigger for `triggeredStop`; a REST query for `restLag`; a port call for
 * `rateLimited`, `serverError`, `timeoutAfterAccept`; a keep-alive for
 * `listenKeyKeepAliveFailure`; a public tick for `tickerDelay`; a stream event for the stream faults and for `disconnect` (the
 * stream stays down until that many events were lost); `dcp` is a setting, never counted.
 *
 * @example
 * venue.faults.set({ fault: { kind: 'restLag', ms: 5_000 }, when: { calls: 2 }, account: 'main' });
 * venue.faults.set({ fault: { kind: 'disconnect' }, when: { from: t0, until: t0 + 3_000 } });
 * venue.faults.clear();
 */
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { AccountId } from '../../domain/ids.js';
import type { OrderType } from '../../domain/reports.js';
import { PosguardError } from '../../domain/errors.js';
import { PORT_METHODS, type PortMethod } from './venue-replies.js';

const ms = z.number().int().nonnegative();
const methods = z.array(z.enum(PORT_METHODS)).optional();

/** Every fault the venue can inject; see the module header for what each counts. */
export const faultSchema = z.discriminatedUnion('kind', [
  /** Create replies carry only `{ id, clientOrderId }` (Bybit). */
  z.object({ kind: z.literal('minimalCreateReply') }).strict(),
  /** A new order cannot be found by order queries for `ms` after its creation. */
  z.object({ kind: z.literal('orderIndexDelay'), ms }).strict(),
  /** Order and position queries answer from the state as it was `ms` ago. */
  z.object({ kind: z.literal('restLag'), ms }).strict(),
  z.object({ kind: z.literal('streamDelay'), ms }).strict(),
  /** Public ticker stream ticks (mark and last price) arrive `ms` after the price changed. */
  z.object({ kind: z.literal('tickerDelay'), ms }).strict(),
  z.object({ kind: z.literal('streamDrop') }).strict(),
  z.object({ kind: z.literal('streamDuplicate') }).strict(),
  /** The event is held back and delivered after the next one (or after `holdMs`). */
  z.object({ kind: z.literal('streamReorder'), holdMs: ms.optional() }).strict(),
  /** The private stream is down: `down`, events lost, `up` when the rule ends. */
  z.object({ kind: z.literal('disconnect'), reason: z.string().optional() }).strict(),
  /**
   * The venue's rate limit: Binance answers HTTP 429 (`-1003`), Bybit retCode 10006 (per-UID); `http`
   * asks for an IP-level answer instead: 429 (both), 403 (Bybit's IP limit, Binance's WAF) or 418
   * (Binance's IP ban).
   */
  z
    .object({
      kind: z.literal('rateLimited'),
      retryAfterMs: ms.optional(),
      methods,
      http: z.union([z.literal(429), z.literal(403), z.literal(418)]).optional(),
    })
    .strict(),
  z.object({ kind: z.literal('serverError'), status: z.number().int().min(500).max(599).optional(), methods }).strict(),
  /** The venue processes the create or cancel, but the reply never arrives. */
  z
    .object({
      kind: z.literal('timeoutAfterAccept'),
      methods: z.array(z.enum(['createOrder', 'cancelOrder'])).optional(),
    })
    .strict(),
  /** A market execution fills only `fraction` of the order; the rest is cancelled (IOC). */
  z.object({ kind: z.literal('partialFill'), fraction: z.number().min(0).lt(1) }).strict(),
  /**
   * Market-order price protection, as the order's venue applies it: Binance refuses the order
   * (`-4131`, not processed); Bybit fills `fraction` (default 0) up to its slippage cap and
   * cancels the rest.
   */
  z.object({ kind: z.literal('marketProtection'), fraction: z.number().min(0).lt(1).optional() }).strict(),
  /**
   * A stop whose trigger fires enters the matching engine and stays `triggered` (executing) for
   * `holdMs`, then fills, or is cancelled in the engine after filling `fraction` (default 0).
   */
  z
    .object({
      kind: z.literal('triggeredStop'),
      holdMs: ms.optional(),
      outcome: z.enum(['fill', 'cancel']).optional(),
      fraction: z.number().min(0).lt(1).optional(),
    })
    .strict(),
  /** Bybit disconnect protection is on: `timeWindowMs` after the last `dcp` subscriber of the account disconnects, its orders are cancelled. */
  z.object({ kind: z.literal('dcp'), timeWindowMs: ms.optional() }).strict(),
  /** Binance listen-key keep-alives (`PUT /fapi/v1/listenKey`) fail with `-1125`. */
  z.object({ kind: z.literal('listenKeyKeepAliveFailure') }).strict(),
  /** A create is refused with this reason and code (e.g. insufficient margin). */
  z
    .object({
      kind: z.literal('reject'),
      reason: z.string().min(1),
      code: z.string().min(1),
      /** Only orders of these types (say, `['stop-market']` to refuse the protective stop). */
      orderTypes: z.array(z.enum(['market', 'limit', 'stop-market'])).optional(),
    })
    .strict(),
]);

export const faultWhenSchema = z.union([
  z.literal('always'),
  z.object({ calls: z.number().int().positive() }).strict(),
  z
    .object({ from: ms, until: ms })
    .strict()
    .refine((w) => w.from < w.until, 'from must be before until'),
]);

export const faultRuleSchema = z
  .object({
    fault: faultSchema,
    when: faultWhenSchema.optional(),
    account: z.string().min(1).optional(),
  })
  .strict();

export type Fault = z.infer<typeof faultSchema>;
export type FaultKind = Fault['kind'];
export type FaultWhen = z.infer<typeof faultWhenSchema>;
/** A fault rule as set: `when` defaults to `always`, `account` to every account. */
export type FaultRule = z.infer<typeof faultRuleSchema>;
/** A rule in force, with its id and (for call-counted rules) the calls left. */
export interface ActiveFaultRule {
  readonly id: string;
  readonly fault: Fault;
  readonly when: FaultWhen;
  readonly account?: string;
  readonly callsLeft?: number;
}

/** A fault rule that does not validate. */
export class InvalidFaultRule extends PosguardError {
  readonly code = 'INVALID_FAULT_RULE';
  constructor(readonly detail: string) {
    super(`invalid fault rule: ${detail}; see faultRuleSchema in src/exchange/sim/faults.ts`);
  }
}

interface RuleState {
  readonly id: string;
  readonly rule: FaultRule;
  callsLeft: number | undefined;
}

/** The fault rules of one venue. */
export class FaultBook {
  private readonly rules: RuleState[] = [];
  private nextId = 1;

  constructor(
    private readonly clock: Clock,
    private readonly onChange: (rule: ActiveFaultRule) => void = () => {},
  ) {}

  /** Adds a rule (validated: it may come from JSON) and returns its id. */
  set(rule: FaultRule): string {
    const parsed = faultRuleSchema.safeParse(rule);
    if (!parsed.success)
      throw new InvalidFaultRule(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const when = parsed.data.when ?? 'always';
    const state: RuleState = {
      id: `fault-${this.nextId++}`,
      rule: { ...parsed.data, when },
      callsLeft: typeof when === 'object' && 'calls' in when ? when.calls : undefined,
    };
    this.rules.push(state);
    this.onChange(this.view(state));
    return state.id;
  }

  /** Removes one rule, or every rule when no id is given. */
  clear(id?: string): void {
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const state = this.rules[i];
      if (state === undefined || (id !== undefined && state.id !== id)) continue;
      this.rules.splice(i, 1);
      this.onChange(this.view(state));
    }
  }

  /** The rules still in force (spent ones and windows that ended are left out). */
  list(): ActiveFaultRule[] {
    const now = this.clock.now();
    return this.rules.filter((s) => !this.spent(s, now)).map((s) => this.view(s));
  }

  /** The fault of `kind` on now for `account` (and `method`), without counting a call. */
  peek<K extends FaultKind>(kind: K, account: AccountId, method?: PortMethod): Extract<Fault, { kind: K }> | undefined {
    return this.find(kind, account, method)?.rule.fault as Extract<Fault, { kind: K }> | undefined;
  }

  /** The fault of `kind` on now for `account` (and `method`); counts one call against it. */
  take<K extends FaultKind>(
    kind: K,
    account: AccountId,
    method?: PortMethod,
    orderType?: OrderType,
  ): Extract<Fault, { kind: K }> | undefined {
    const state = this.find(kind, account, method, orderType);
    if (state === undefined) return undefined;
    if (state.callsLeft !== undefined) {
      state.callsLeft -= 1;
      if (state.callsLeft === 0) {
        this.rules.splice(this.rules.indexOf(state), 1);
        this.onChange(this.view(state));
      }
    }
    return state.rule.fault as Extract<Fault, { kind: K }>;
  }

  private find(
    kind: FaultKind,
    account: AccountId,
    method: PortMethod | undefined,
    orderType?: OrderType,
  ): RuleState | undefined {
    const now = this.clock.now();
    return this.rules.find((s) => {
      const { fault, account: only, when } = s.rule;
      if (fault.kind !== kind || (only !== undefined && only !== account) || this.spent(s, now)) return false;
      if (typeof when === 'object' && 'from' in when && now < when.from) return false;
      const types = 'orderTypes' in fault ? fault.orderTypes : undefined;
      if (types !== undefined && (orderType === undefined || !types.includes(orderType))) return false;
      const allowed = 'methods' in fault ? fault.methods : undefined;
      return method === undefined || allowed === undefined || (allowed as readonly string[]).includes(method);
    });
  }

  private spent(s: RuleState, now: number): boolean {
    const when = s.rule.when;
    return (
      (s.callsLeft !== undefined && s.callsLeft <= 0) ||
      (typeof when === 'object' && 'until' in when && now >= when.until)
    );
  }

  private view(s: RuleState): ActiveFaultRule {
    return {
      id: s.id,
      fault: s.rule.fault,
      when: s.rule.when ?? 'always',
      ...(s.rule.account === undefined ? {} : { account: s.rule.account }),
      ...(s.callsLeft === undefined ? {} : { callsLeft: s.callsLeft }),
    };
  }
}
