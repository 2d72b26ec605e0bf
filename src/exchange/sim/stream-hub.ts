/**
 * The private stream of the simulated venue: receives the venue's events per account and
 * sends them to the subscribers of that account through the clock, after the stream faults
 * (delay, drop, duplicate, reorder) and the connection state (`disconnect`): while an
 * account's stream is down its events are lost for good. Sends `connection` `up`/`down`
 * events on subscribe and on every change of state. Touches only its subscribers.
 *
 * @example
 * hub.publish(account, (receivedAt) => ({ type: 'position', report: positionReport(view, 'stream', receivedAt) }));
 */
import type { Clock } from '../../clock.js';
import type { AccountId } from '../../domain/ids.js';
import type { StreamEvent, StreamSubscription } from '../port.js';
import { DeliveryQueue } from './stream-delivery.js';
import type { FaultBook } from './faults.js';

/** Builds the event once it is received (the receive time is known only then). */
export type EventBuilder = (receivedAt: number) => StreamEvent;

interface Subscriber {
  readonly account: AccountId;
  readonly onEvent: (event: StreamEvent) => void;
  open: boolean;
}

interface Held {
  readonly at: number;
  readonly targets: readonly Subscriber[];
  readonly make: EventBuilder;
  readonly copies: number;
  readonly timer: unknown;
}

const DEFAULT_REORDER_HOLD_MS = 1_000;

/** The private streams of every account of one venue; see the module header. */
export class StreamHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly down = new Set<AccountId>();
  private readonly held = new Map<AccountId, Held[]>();
  private readonly queue: DeliveryQueue;

  constructor(
    private readonly clock: Clock,
    private readonly faults: FaultBook,
    private readonly baseDelayMs: number,
  ) {
    this.queue = new DeliveryQueue(clock);
  }

  /** Opens a stream for `account`; it first receives `up` (or `down` while disconnected). */
  subscribe(account: AccountId, onEvent: (event: StreamEvent) => void): StreamSubscription {
    const sub: Subscriber = { account, onEvent, open: true };
    this.refresh(account);
    this.subscribers.add(sub);
    this.sendConnection([sub], account);
    return {
      close: async () => {
        sub.open = false;
        this.subscribers.delete(sub);
      },
    };
  }

  /** Sends one venue event of `account` to its subscribers, through the faults. */
  publish(account: AccountId, make: EventBuilder): void {
    const targets = this.targets(account);
    if (targets.length === 0) return;
    this.refresh(account);
    if (this.down.has(account)) {
      this.faults.take('disconnect', account);
      this.refresh(account);
      return;
    }
    if (this.faults.take('streamDrop', account)) return;
    const at = this.clock.now() + this.baseDelayMs + (this.faults.take('streamDelay', account)?.ms ?? 0);
    const copies = this.faults.take('streamDuplicate', account) ? 2 : 1;
    const reorder = this.faults.take('streamReorder', account);
    if (reorder) {
      const timer = this.clock.setTimeout(() => {
        this.release(account, undefined);
        this.queue.runDue();
      }, reorder.holdMs ?? DEFAULT_REORDER_HOLD_MS);
      this.held.set(account, [...(this.held.get(account) ?? []), { at, targets, make, copies, timer }]);
      return;
    }
    for (let i = 0; i < copies; i++) this.queue.push(at, this.deliver(targets, make));
    this.release(account, at);
  }

  /** Re-reads the `disconnect` faults of every account and sends `down`/`up` where it changed. */
  refreshAll(): void {
    const accounts = new Set([...this.down, ...[...this.subscribers].map((s) => s.account)]);
    for (const account of accounts) this.refresh(account);
  }

  /** Delivers what is due now; for the venue's timer callbacks (see `DeliveryQueue.runDue`). */
  deliverDue(): void {
    this.queue.runDue();
  }

  /** Stops every delivery; subscribers receive nothing more. */
  close(): void {
    this.queue.close();
    for (const held of this.held.values()) for (const h of held) this.clock.clearTimeout(h.timer);
    this.held.clear();
    for (const sub of this.subscribers) sub.open = false;
    this.subscribers.clear();
  }

  private refresh(account: AccountId): void {
    const wasDown = this.down.has(account);
    const isDown = this.faults.peek('disconnect', account) !== undefined;
    if (wasDown === isDown) return;
    if (isDown) this.down.add(account);
    else this.down.delete(account);
    this.sendConnection(this.targets(account), account);
  }

  private sendConnection(targets: readonly Subscriber[], account: AccountId): void {
    const fault = this.faults.peek('disconnect', account);
    const event: StreamEvent = this.down.has(account)
      ? { type: 'connection', status: 'down', reason: fault?.reason ?? 'simulated disconnect' }
      : { type: 'connection', status: 'up' };
    this.queue.push(
      this.clock.now() + this.baseDelayMs,
      this.deliver(targets, () => event),
    );
  }

  /** Delivers the events held back for reordering, right after `after` (or when they are due). */
  private release(account: AccountId, after: number | undefined): void {
    const held = this.held.get(account);
    if (held === undefined) return;
    this.held.delete(account);
    for (const h of held) {
      this.clock.clearTimeout(h.timer);
      for (let i = 0; i < h.copies; i++)
        this.queue.push(Math.max(h.at, after ?? h.at), this.deliver(h.targets, h.make));
    }
  }

  private targets(account: AccountId): Subscriber[] {
    return [...this.subscribers].filter((s) => s.account === account);
  }

  private deliver(targets: readonly Subscriber[], make: EventBuilder): () => void {
    return () => {
      const event = make(this.clock.now());
      for (const t of targets) if (t.open) t.onEvent(event);
    };
  }
}
