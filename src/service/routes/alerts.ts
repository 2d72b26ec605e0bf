/** `GET /v1/alerts` (newest first, with acknowledgements) and `POST /v1/alerts/:id/ack`. */
import type { FastifyPluginAsync } from 'fastify';
import type { ServerDeps } from '../server.js';
import { act } from './act.js';
import { idParams, reasonBody } from './schemas.js';

export const alertRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/v1/alerts', async () => deps.api.alerts());
    app.post(
      '/v1/alerts/:id/ack',
      { schema: { params: idParams, body: reasonBody }, config: { access: { scope: 'admin' } } },
      async (req) => {
        const alertId = (req.params as { id: string }).id;
        const alert = await act(deps, req, { what: 'ack', alertId }, () =>
          deps.api.ackAlert(alertId, req.principal.name),
        );
        if (alert.acknowledged !== undefined)
          deps.events.append({ type: 'ack', alertId: alert.id, acknowledged: alert.acknowledged });
        deps.log?.info({ alertId: alert.id, by: req.principal.name }, 'alert acknowledged');
        return alert;
      },
    );
  };
