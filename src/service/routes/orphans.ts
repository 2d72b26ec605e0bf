/**
 * The orphan inbox: `GET /v1/orphans` (`?account=`) lists what the latest sweeps found that
 * nothing tracks; `POST /v1/orphans/adopt`, `/flatten` (reduce-only) and `/dismiss` (with a
 * reason) act on one, `{ "account", "symbol" }`. Adopt and flatten read the venue again and
 * refuse (409 `ORPHAN_REFUSED`) a read older than what posguard knows of the symbol, or a
 * holding other than the one found; they admit the orphan like an intent (409 `SYMBOL_BUSY`
 * when the symbol is held). Every action is recorded (`act`).
 */
import type { FastifyPluginAsync } from 'fastify';
import { announceOrphans } from '../dashboard/fanout.js';
import type { ServerDeps } from '../server.js';
import { act } from './act.js';
import { accountQuery } from './schemas.js';

const orphanBody = {
  type: 'object',
  additionalProperties: false,
  required: ['account', 'symbol'],
  properties: {
    account: { type: 'string', minLength: 1, maxLength: 64 },
    symbol: { type: 'string', minLength: 1, maxLength: 64 },
    reason: { type: 'string', minLength: 1, maxLength: 500 },
  },
} as const;

const dismissBody = { ...orphanBody, required: ['account', 'symbol', 'reason'] } as const;

type OrphanBody = { account: string; symbol: string; reason?: string };

export const orphanRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (app) => {
    const admin = { access: { scope: 'admin' as const } };
    const announce = (account: string) => announceOrphans(deps, account).catch(() => {});
    app.get('/v1/orphans', { schema: { querystring: accountQuery } }, async (req) =>
      deps.api.orphans((req.query as { account?: string }).account),
    );

    for (const how of ['adopt', 'flatten'] as const) {
      app.post(`/v1/orphans/${how}`, { schema: { body: orphanBody }, config: admin }, async (req) => {
        const { account, symbol, reason } = req.body as OrphanBody;
        const what = how === 'adopt' ? 'adopt' : 'flattenOrphan';
        const taken = await act(
          deps,
          req,
          { what, account, symbol, ...(reason === undefined ? {} : { why: reason }) },
          () => deps.api.takeOrphan(account, symbol, how, req.principal.name),
          (t) => `done: position ${t.positionId}`,
        );
        deps.log?.warn(
          { account, symbol, positionId: taken.positionId, by: req.principal.name },
          `orphan ${how === 'adopt' ? 'adopted' : 'being flattened'} from the inbox`,
        );
        await announce(account);
        return taken;
      });
    }

    app.post('/v1/orphans/dismiss', { schema: { body: dismissBody }, config: admin }, async (req) => {
      const { account, symbol, reason } = req.body as Required<OrphanBody>;
      const row = await act(deps, req, { what: 'dismissOrphan', account, symbol, why: reason }, () =>
        deps.api.dismissOrphan(account, symbol, reason, req.principal.name),
      );
      deps.log?.info({ account, symbol, by: req.principal.name, reason }, 'orphan dismissed from the inbox');
      await announce(account);
      return row;
    });
  };
