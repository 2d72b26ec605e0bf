/**
 * `GET /v1/sweeps` (the latest reports, newest first; `?account=`) and
 * `POST /v1/sweeps/orphans|reconcile` (one run now, on one account — body `{ "account" }` —
 * or every account this worker drives; answers the reports).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ServerDeps } from '../server.js';
import { act } from './act.js';
import { accountQuery } from './schemas.js';

const sweepBody = {
  type: 'object',
  additionalProperties: false,
  properties: { account: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const sweepRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/v1/sweeps', { schema: { querystring: accountQuery } }, async (req) =>
      deps.api.sweeps((req.query as { account?: string }).account),
    );
    for (const kind of ['orphans', 'reconcile'] as const) {
      app.post(
        `/v1/sweeps/${kind}`,
        { schema: { body: sweepBody }, config: { access: { scope: 'admin' } } },
        async (req) => {
          const { account } = req.body as { account?: string };
          deps.log?.info({ kind, account, by: req.principal.name }, 'sweep asked through the API');
          return act(deps, req, { what: 'sweep', why: kind, ...(account === undefined ? {} : { account }) }, () =>
            deps.api.sweep(kind, account),
          );
        },
      );
    }
  };
