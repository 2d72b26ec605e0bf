/**
 * `/metrics` (Prometheus text; needs `read`), `/healthz` and `/readyz` (public: a process
 * manager probes them without a token; they show no secret), and `GET /v1/audit` (`?limit=`,
 * 100 unless given): every operator action of the fleet — who (the token's name), what, why
 * and the result — newest first.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ServerDeps } from '../server.js';
import { auditQuery } from './schemas.js';

export const opsRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (app) => {
    const open = { access: { public: true } };
    app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.text()));
    app.get('/healthz', { config: open }, async () => ({ status: 'alive' }));
    app.get('/readyz', { config: open }, async (_req, reply) => {
      const { ready, body } = await deps.ready();
      return reply.code(ready ? 200 : 503).send(body);
    });
    app.get('/v1/audit', { schema: { querystring: auditQuery } }, async (req) =>
      deps.actions.list(Number((req.query as { limit?: string }).limit ?? 100)),
    );
  };
