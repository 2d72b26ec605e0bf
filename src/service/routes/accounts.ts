/**
 * `GET /v1/accounts` and the operator's switches: `POST /v1/accounts/:id/halt` and `/resume`
 * (new intents refused / accepted again; positions in flight carry on), and `/flatten`,
 * which this version refuses with a 501 saying what is missing.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ServerDeps } from '../server.js';
import { act } from './act.js';
import { idParams, reasonBody } from './schemas.js';

export const accountRoutes = (deps: ServerDeps): FastifyPluginAsync => async (app) => {
  const admin = { access: { scope: 'admin' as const } };
  app.get('/v1/accounts', async () => deps.api.accounts());

  app.post('/v1/accounts/:id/halt', { schema: { params: idParams, body: reasonBody }, config: admin }, async (req) => {
    const { id } = req.params as { id: string };
    const reason = (req.body as { reason?: string }).reason ?? `halted by ${req.principal.name}`;
    const view = await act(deps, req, { what: 'halt', account: id, why: reason }, () => deps.api.halt(id, reason, req.principal.name));
    deps.events.append({ type: 'account', account: view });
    deps.log?.warn({ account: id, by: req.principal.name, reason }, 'account halted: new intents are refused');
    return view;
  });

  app.post('/v1/accounts/:id/resume', { schema: { params: idParams, body: reasonBody }, config: admin }, async (req) => {
    const { id } = req.params as { id: string };
    const view = await act(deps, req, { what: 'resume', account: id }, () => deps.api.resume(id));
    deps.events.append({ type: 'account', account: view });
    deps.log?.info({ account: id, by: req.principal.name }, 'account resumed: new intents are accepted');
    return view;
  });

  app.post('/v1/accounts/:id/flatten', { schema: { params: idParams, body: reasonBody }, config: admin }, async (req) => {
    const id = (req.params as { id: string }).id;
    const why = (req.body as { reason?: string }).reason;
    return act(deps, req, { what: 'flatten', account: id, ...(why === undefined ? {} : { why }) }, () => deps.api.flatten(id));
  });
};
