/**
 * `GET /v1/accounts` and the operator's switches: `POST /v1/accounts/:id/halt` and `/resume`
 * (new intents refused / accepted again, fleet-wide and persisted; positions in flight carry
 * on), and `/flatten` (202: halted, entries not sent aborted, every position of posguard's
 * closing; its audit result recorded once flat is verified; see docs/architecture.md, The fleet).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ServerDeps } from '../server.js';
import { act } from './act.js';
import { watchFlatten } from '../flatten-watch.js';
import { idParams, reasonBody } from './schemas.js';

export const accountRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (app) => {
    const admin = { access: { scope: 'admin' as const } };
    app.get('/v1/accounts', async () => deps.api.accounts());

    app.post(
      '/v1/accounts/:id/halt',
      { schema: { params: idParams, body: reasonBody }, config: admin },
      async (req) => {
        const { id } = req.params as { id: string };
        const reason = (req.body as { reason?: string }).reason ?? `halted by ${req.principal.name}`;
        const view = await act(deps, req, { what: 'halt', account: id, why: reason }, () =>
          deps.api.halt(id, reason, req.principal.name),
        );
        deps.events.append({ type: 'account', account: view });
        deps.log?.warn({ account: id, by: req.principal.name, reason }, 'account halted: new intents are refused');
        return view;
      },
    );

    app.post(
      '/v1/accounts/:id/resume',
      { schema: { params: idParams, body: reasonBody }, config: admin },
      async (req) => {
        const { id } = req.params as { id: string };
        const view = await act(deps, req, { what: 'resume', account: id }, () => deps.api.resume(id));
        deps.events.append({ type: 'account', account: view });
        deps.log?.info({ account: id, by: req.principal.name }, 'account resumed: new intents are accepted');
        return view;
      },
    );

    app.post(
      '/v1/accounts/:id/flatten',
      { schema: { params: idParams, body: reasonBody }, config: admin },
      async (req, reply) => {
        const id = (req.params as { id: string }).id;
        const by = req.principal.name;
        const why = (req.body as { reason?: string }).reason ?? `flattened by ${by}`;
        const started = await act(
          deps,
          req,
          { what: 'flatten', account: id, why },
          () => deps.api.flatten(id, why, by),
          (s) =>
            `halted; entries not sent aborted; closing ${s.positions.length} position${s.positions.length === 1 ? '' : 's'}`,
        );
        deps.log?.warn(
          { account: id, by, reason: why, positions: started.positions.length },
          "account flattening: halted, every position of posguard's closing",
        );
        // The account is halted now: pages learn it from the stream, as after a halt (a read that fails only skips this).
        const view = (await deps.api.accounts().catch(() => [])).find((a) => a.id === id);
        if (view !== undefined) deps.events.append({ type: 'account', account: view });
        // The audit result once flat is verified (or not), written by this worker.
        void watchFlatten(
          { api: deps.api, actions: deps.actions, ...(deps.stopping === undefined ? {} : { stopping: deps.stopping }) },
          started,
          { by, why },
        ).catch((e: unknown) =>
          deps.log?.warn({ err: e, account: id }, 'the result of a flatten could not be recorded'),
        );
        return reply.code(202).send({ ...started, result: 'closing' });
      },
    );
  };
