/**
 * Serves an event log as server-sent events: each event as `id`, `event` (`transition` or
 * `alert`) and `data` (JSON), in the log's order, none twice. A client that reconnects with
 * `Last-Event-ID` first gets what it missed; if the log no longer holds all of it, a `gap`
 * event says so (reload the state, then carry on). A comment line every `heartbeatMs`
 * keeps proxies from closing an idle stream.
 *
 * Receives: one HTTP request. Sends: the event stream, until the client goes away or the
 * server stops. Touches: the event log (replay, subscription).
 *
 * @example
 * app.get('/v1/events', (req, reply) => streamEvents(req.raw, reply.raw, log, { lastEventId: req.headers['last-event-id'] }));
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventLog, LoggedEvent } from './event-log.js';

export interface SseOptions {
  /** The `Last-Event-ID` header (or query parameter) the client resumes after. */
  readonly lastEventId?: string | undefined;
  readonly heartbeatMs?: number;
  /** Events replayed at most on a resume. */
  readonly replayLimit?: number;
  /** Resolves when the server stops: the stream is ended. */
  readonly stopping?: Promise<unknown>;
  /** Headers to send with the stream (the API's security headers). */
  readonly headers?: Readonly<Record<string, string>>;
}

function frame(e: LoggedEvent): string {
  return `id: ${e.id}\nevent: ${e.event.type}\ndata: ${JSON.stringify(e.event)}\n\n`;
}

export async function streamEvents(
  req: IncomingMessage,
  res: ServerResponse,
  log: EventLog,
  opts: SseOptions = {},
): Promise<void> {
  res.writeHead(200, {
    ...opts.headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  let last = opts.lastEventId ?? (await log.latestId());
  let replaying = true;
  const held: LoggedEvent[] = [];
  const send = (e: LoggedEvent): void => {
    if (!log.newer(e.id, last)) return;
    last = e.id;
    res.write(frame(e));
  };
  const unsubscribe = log.subscribe((e) => {
    if (replaying) held.push(e);
    else send(e);
  });
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), opts.heartbeatMs ?? 15_000);
  let end: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  req.on('close', end);
  void opts.stopping?.then(end);
  try {
    const limit = opts.replayLimit ?? 10_000;
    for (let total = 0, first = true; ; first = false) {
      const { events, gap } = await log.after(last, 1_000);
      if (gap && first)
        res.write(
          `event: gap\ndata: ${JSON.stringify({ after: last, message: 'events after this id are no longer kept: reload the state' })}\n\n`,
        );
      for (const e of events) send(e);
      total += events.length;
      if (events.length < 1_000 || total >= limit) break;
    }
    replaying = false;
    for (const e of held.splice(0)) send(e);
    await ended;
  } catch {
    // The log could not be read: end the stream; the client reconnects with its last id.
  } finally {
    clearInterval(heartbeat);
    unsubscribe();
    res.end();
  }
}
