/**
 * The page's only source of news after its first load: `GET /v1/events` as an EventSource
 * (the session cookie goes with it; it resumes by itself with `Last-Event-ID`). A `gap`
 * (events no longer kept) makes the page load its state again.
 */
import type { ServiceEvent } from './types.js';

const TYPES = ['transition', 'row', 'alert', 'ack', 'sweep', 'account', 'action', 'orphans'] as const;

export interface StreamHandlers {
  readonly event: (e: ServiceEvent) => void;
  readonly gap: () => void;
  readonly status: (live: boolean) => void;
}

export function connect(h: StreamHandlers): EventSource {
  const source = new EventSource('/v1/events');
  source.addEventListener('open', () => h.status(true));
  source.addEventListener('error', () => h.status(false));
  for (const type of TYPES) {
    source.addEventListener(type, (m) => {
      try {
        h.event(JSON.parse((m as MessageEvent<string>).data) as ServiceEvent);
      } catch {
        // An event this page cannot read is skipped.
      }
    });
  }
  source.addEventListener('gap', () => h.gap());
  return source;
}
