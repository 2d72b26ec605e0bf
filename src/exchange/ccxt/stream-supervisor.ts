/**
 * Keeps one account's private stream alive through ccxt.pro's `watchOrders`,
 * `watchPositions` and `watchMyTrades`. Receives what the three watch loops return; sends it
 * to the handlers, and `up`/`down` on every change of the connection: `up` once the stream is
 * authenticated and connected with the loops subscribed, `down` (with the reason) when any
 * loop fails or closes. A failure ends the whole connection (ccxt's WebSocket clients are
 * closed, so nothing stale survives) and a new one is made after a backoff that doubles up to
 * a ceiling and resets after a successful connect. Touches the ccxt instance's WebSockets only.
 *
 * @example
 * const s = new StreamSupervisor(built, handlers, { initialMs: 100, maxMs: 5_000 }, systemClock);
 * s.start(); … await s.close();
 */
import type { Order, Position, Trade } from 'ccxt';
import type { Clock } from '../../clock.js';
import type { BuiltExchange } from './exchange-factory.js';

export interface StreamHandlers {
  onOrders(orders: readonly Order[]): void;
  onPositions(positions: readonly Position[]): void;
  onTrades(trades: readonly Trade[]): void;
  onConnection(status: 'up' | 'down', reason?: string): void;
}

/** Reconnect backoff: the first retry after `initialMs`, doubling up to `maxMs`. */
export interface ReconnectPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** How long a connection may take before it counts as failed (default 10 s). */
  readonly connectTimeoutMs?: number;
}

const POLL_MS = 10;

export class StreamSupervisor {
  private generation = 0;
  private status: 'connecting' | 'up' | 'down' = 'connecting';
  private attempt = 0;
  private closed = false;
  private retry: unknown = undefined;

  constructor(
    private readonly built: BuiltExchange,
    private readonly handlers: StreamHandlers,
    private readonly policy: ReconnectPolicy,
    private readonly clock: Clock,
  ) {}

  start(): void {
    if (this.built.restOnly) {
      this.setStatus(
        'down',
        `${this.built.exchange.id} has no private stream in ccxt.pro; positions are followed through REST`,
      );
      return;
    }
    void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.generation++;
    if (this.retry !== undefined) this.clock.clearTimeout(this.retry);
    await this.built.exchange.close().catch(() => undefined);
  }

  private stale(gen: number): boolean {
    return this.closed || gen !== this.generation;
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    const ex = this.built.exchange;
    try {
      await this.built.profile.connectStream(ex);
    } catch (error) {
      this.fail(gen, error);
      return;
    }
    if (this.stale(gen)) return;
    void this.loop(
      gen,
      () => ex.watchOrders(),
      (x) => this.handlers.onOrders(x),
    );
    void this.loop(
      gen,
      () => ex.watchPositions(),
      (x) => this.handlers.onPositions(x),
    );
    void this.loop(
      gen,
      () => ex.watchMyTrades(),
      (x) => this.handlers.onTrades(x),
    );
    try {
      await this.connected(gen);
    } catch (error) {
      this.fail(gen, error);
      return;
    }
    if (this.stale(gen)) return;
    this.attempt = 0;
    this.setStatus('up');
  }

  private async loop<T>(gen: number, watch: () => Promise<T[]>, deliver: (items: readonly T[]) => void): Promise<void> {
    while (!this.stale(gen)) {
      let items: T[];
      try {
        items = await watch();
      } catch (error) {
        this.fail(gen, error);
        return;
      }
      if (this.stale(gen)) return;
      deliver(items);
    }
  }

  /** Resolves once a WebSocket of the exchange is open and the venue acknowledged its subscriptions. */
  private async connected(gen: number): Promise<void> {
    const timeout = this.policy.connectTimeoutMs ?? 10_000;
    for (let waited = 0; !this.stale(gen); waited += POLL_MS) {
      const ex = this.built.exchange;
      const clients = Object.values(ex.clients ?? {}) as { isConnected?: unknown }[];
      const ready = this.built.profile.streamReady?.(ex) ?? true;
      if (ready && clients.some((c) => c.isConnected === true)) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        return;
      }
      if (waited >= timeout) throw new Error(`the private stream did not connect within ${timeout} ms`);
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, POLL_MS));
    }
  }

  private fail(gen: number, error: unknown): void {
    if (this.stale(gen)) return;
    this.generation++;
    const reason = this.built.redact(error instanceof Error ? error.message : String(error));
    this.setStatus('down', reason);
    const delay = Math.min(this.policy.maxMs, this.policy.initialMs * 2 ** this.attempt);
    this.attempt++;
    void this.built.exchange
      .close()
      .catch(() => undefined)
      .then(() => {
        if (!this.closed) this.retry = this.clock.setTimeout(() => void this.connect(), delay);
      });
  }

  private setStatus(status: 'up' | 'down', reason?: string): void {
    if (this.status === status) return;
    this.status = status;
    this.handlers.onConnection(status, reason);
  }
}
