/** `GET /v1/alerts` (newest first, with acknowledgements) and `POST /v1/alerts/:id/ack`. */
import type { FastifyPluginAsync } from 'fastify';
import type { ServerDeps } from '../server.js';
import { idParams, reasonBody } from './schemas.js';

export const alertRoutes = (deps: ServerDeps): FastifyPluginAsync => async (app) => {
  app.get('/v1/alerts', async () => deps.api.alerts());
  app.post('/v1/alerts/:id/ack', { schema: { params: idParams, body: reasonBody }, config: { access: { scope: 'admin' } } }, async (req) => {
    const alert = await deps.api.ackAlert((req.params as { id: string }).id, req.principal.name);
    deps.log?.info({ alertId: alert.id, by: req.principal.name }, 'alert acknowledged');
    return alert;
  });
};
