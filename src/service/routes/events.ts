/**
 * `GET /v1/events`: server-sent events of every transition and alert, resumable with
 * `Last-Event-ID` (see `events/sse.ts`). Authenticated like every read: a browser's
 * `EventSource` sends the session cookie, so no token goes into the URL.
 */
import type { FastifyPluginAsync } from 'fastify';
import { streamEvents } from '../events/sse.js';
import { SECURITY_HEADERS, type ServerDeps } from '../server.js';

const eventsQuery = { type: 'object', additionalProperties: false, properties: {} } as const;

export const eventRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/v1/events', { schema: { querystring: eventsQuery } }, async (req, reply) => {
      const header = req.headers['last-event-id'];
      const lastEventId = typeof header === 'string' && header.length <= 64 ? header : undefined;
      reply.hijack();
      await streamEvents(req.raw, reply.raw, deps.events, {
        lastEventId,
        stopping: deps.stopping,
        headers: SECURITY_HEADERS,
      });
    });
  };
