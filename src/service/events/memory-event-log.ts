/**
 * The event log of a worker without Redis: a ring of the latest `capacity` events (10,000
 * unless told), ids counting up from 1. Memory stays bounded however long the worker runs.
 *
 * Receives: `append` from the guard's events. Sends: each event to the subscribers.
 *
 * @example
 * const log = new MemoryEventLog(10_000);
 * log.append({ type: 'alert', alert });
 */
import type { EventLog, LoggedEvent, Replay, ServiceEvent } from './event-log.js';

export class MemoryEventLog implements EventLog {
  private readonly ring: (LoggedEvent | undefined)[];
  private next = 1;
  private readonly listeners = new Set<(e: LoggedEvent) => void>();

  constructor(private readonly capacity = 10_000) {
    this.ring = new Array<LoggedEvent | undefined>(capacity);
  }

  append(event: ServiceEvent): void {
    const logged = { id: String(this.next), event };
    this.ring[this.next % this.capacity] = logged;
    this.next += 1;
    for (const l of this.listeners) l(logged);
  }

  async after(id: string, limit: number): Promise<Replay> {
    const from = Number(id);
    const oldest = Math.max(1, this.next - this.capacity);
    if (!Number.isSafeInteger(from) || from < 0 || from >= this.next)
      return { events: [], gap: !Number.isSafeInteger(from) || from < 0 };
    const start = Math.max(from + 1, oldest);
    const events: LoggedEvent[] = [];
    for (let n = start; n < this.next && events.length < limit; n++) {
      const e = this.ring[n % this.capacity];
      if (e !== undefined) events.push(e);
    }
    return { events, gap: from + 1 < oldest };
  }

  async latestId(): Promise<string> {
    return String(this.next - 1);
  }

  subscribe(listener: (e: LoggedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  newer(a: string, b: string): boolean {
    return Number(a) > Number(b);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
