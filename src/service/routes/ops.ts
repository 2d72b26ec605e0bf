/**
 * `/metrics` (Prometheus text; needs `read`), `/healthz` and `/readyz` (public: a process
 * manager probes them without a token; they show no secret), and `GET /v1/audit`, which this
 * version answers with a 501 saying what is missing.
 */
import type { FastifyPluginAsync } from 'fastify';
import { NotAvailableYet } from '../errors.js';
import type { ServerDeps } from '../server.js';

export const opsRoutes = (deps: ServerDeps): FastifyPluginAsync => async (app) => {
  const open = { access: { public: true } };
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.text()));
  app.get('/healthz', { config: open }, async () => ({ status: 'alive' }));
  app.get('/readyz', { config: open }, async (_req, reply) => {
    const { ready, body } = await deps.ready();
    return reply.code(ready ? 200 : 503).send(body);
  });
  app.get('/v1/audit', async () => {
    throw new NotAvailableYet('the audit log', 'this version does not record operator actions in an audit log yet; they are in the worker\'s log lines (by token name)');
  });
};
