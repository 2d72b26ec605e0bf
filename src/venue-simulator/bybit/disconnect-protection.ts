/**
 * Bybit's disconnect protection (DCP) over the simulated venue: for an account where it is on
 * (the `dcp` knob, or `POST /v5/order/disconnected-cancel-all`), when the last private-stream
 * connection that subscribed the `dcp` topic goes away and none comes back within the time
 * window (10 s by default), every active order of the account is cancelled (`CancelByDCP`).
 * Connections that never subscribed `dcp` do not arm it (Bybit's docs: "Your private websocket
 * connection must subscribe 'dcp' topic in order to trigger DCP"). Receives connection changes;
 * touches the venue's orders through `cancelAllOrders`, on the venue clock.
 *
 * @example
 * const left = dcp.subscribed('main'); … left(); // the window starts
 */
import { asAccountId } from '../../domain/ids.js';
import type { SimExchange } from '../../exchange/sim/sim-exchange.js';

/** Bybit's default window when the knob gives none. */
export const DCP_DEFAULT_WINDOW_MS = 10_000;

export class DisconnectProtection {
  private readonly live = new Map<string, number>();
  private readonly timers = new Map<string, unknown>();

  constructor(private readonly venue: SimExchange) {}

  /** A connection of `account` subscribed `dcp`; returns what to call when it goes away. */
  subscribed(account: string): () => void {
    this.live.set(account, (this.live.get(account) ?? 0) + 1);
    const armed = this.timers.get(account);
    if (armed !== undefined) {
      this.venue.clock.clearTimeout(armed);
      this.timers.delete(account);
    }
    let gone = false;
    return () => {
      if (gone) return;
      gone = true;
      const left = (this.live.get(account) ?? 1) - 1;
      this.live.set(account, left);
      if (left === 0) this.arm(account);
    };
  }

  /** Stops every pending window. */
  close(): void {
    for (const timer of this.timers.values()) this.venue.clock.clearTimeout(timer);
    this.timers.clear();
  }

  private arm(account: string): void {
    const knob = this.venue.faults.peek('dcp', asAccountId(account));
    if (knob === undefined) return;
    const timer = this.venue.clock.setTimeout(() => {
      this.timers.delete(account);
      if ((this.live.get(account) ?? 0) === 0) this.venue.cancelAllOrders(account, 'disconnect-protection');
    }, knob.timeWindowMs ?? DCP_DEFAULT_WINDOW_MS);
    this.timers.set(account, timer);
  }
}
