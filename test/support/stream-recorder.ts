/**
 * Records what a port's private stream delivers, for tests on real timers: `until` waits for the
 * first matching event at or after an index and returns its index; `next` returns the event.
 */
import type { ExchangePort, StreamEvent, StreamSubscription } from '../../src/exchange/port.js';

export interface StreamRecorder {
  readonly events: StreamEvent[];
  readonly onEvent: (event: StreamEvent) => void;
  /** The index of the first event after `from` that matches (real time, `timeoutMs`). */
  until(match: (e: StreamEvent) => boolean, from?: number, timeoutMs?: number): Promise<number>;
}

export function recorder(): StreamRecorder {
  const events: StreamEvent[] = [];
  const until = async (match: (e: StreamEvent) => boolean, from = 0, timeoutMs = 5_000): Promise<number> => {
    for (const start = Date.now(); Date.now() - start < timeoutMs; await new Promise((r) => setTimeout(r, 10))) {
      const i = events.findIndex((e, k) => k >= from && match(e));
      if (i !== -1) return i;
    }
    throw new Error(
      `no matching event; got ${events.map((e) => (e.type === 'connection' ? e.status : e.type)).join(',')}`,
    );
  };
  return { events, onEvent: (e: StreamEvent) => events.push(e), until };
}

export const isConnection =
  (status: 'up' | 'down') =>
  (e: StreamEvent): boolean =>
    e.type === 'connection' && e.status === status;

/** Subscribes a recorder to `port` and waits until the stream is up. */
export async function liveStream(
  port: ExchangePort,
): Promise<StreamRecorder & { readonly subscription: StreamSubscription }> {
  const r = recorder();
  const subscription = port.subscribe(r.onEvent);
  await r.until(isConnection('up'));
  return { ...r, subscription };
}
