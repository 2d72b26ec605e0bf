/**
 * `POST /v1/positions` (an intent → 202 `{ id, state }`; handed to the account's owner and not
 * answered in time → 202 `{ id, outcome: 'unknown', poll }`, see docs/architecture.md, The fleet), `GET /v1/positions` (`?state=`,
 * `?account=`), `GET /v1/positions/:id` (with its history) and `POST /v1/positions/:id/close`
 * (202 when a close was asked for; 200 saying so when one is already under way or the
 * position is final; recorded as an operator action), and `GET /v1/positions/:id/close-preview`
 * (what the close planner would send on the latest report: a preview).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { PositionStateName } from '../../machines/position.machine.js';
import type { ServerDeps } from '../server.js';
import type { CloseAnswer } from '../guard-api.js';
import { HandoverUnanswered } from '../../fleet/errors.js';
import { act } from './act.js';
import { idParams, intentBody, positionsQuery } from './schemas.js';

export const positionRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (app) => {
    app.post(
      '/v1/positions',
      { schema: { body: intentBody }, config: { access: { scope: 'trade' } } },
      async (req, reply) => {
        let opened: { id: string; state: string };
        try {
          opened = await deps.api.open(req.body);
        } catch (e) {
          if (e instanceof HandoverUnanswered) return reply.code(202).send(unknownAnswer(e));
          throw e;
        }
        deps.log?.info({ positionId: opened.id, by: req.principal.name }, 'intent accepted through the API');
        return reply.code(202).send(opened);
      },
    );

    app.get('/v1/positions', { schema: { querystring: positionsQuery } }, async (req) => {
      const q = req.query as { state?: PositionStateName; account?: string };
      return deps.api.positions({
        ...(q.state === undefined ? {} : { state: q.state }),
        ...(q.account === undefined ? {} : { account: q.account }),
      });
    });

    app.get('/v1/positions/:id', { schema: { params: idParams } }, async (req) =>
      deps.api.position((req.params as { id: string }).id),
    );

    app.get('/v1/positions/:id/close-preview', { schema: { params: idParams } }, async (req) =>
      deps.api.closePreview((req.params as { id: string }).id),
    );

    app.post(
      '/v1/positions/:id/close',
      { schema: { params: idParams }, config: { access: { scope: 'trade' } } },
      async (req, reply) => {
        const id = (req.params as { id: string }).id;
        let answer: CloseAnswer;
        try {
          answer = await act(
            deps,
            req,
            { what: 'close', positionId: id },
            () => deps.api.close(id),
            (a) => a.result,
          );
        } catch (e) {
          if (e instanceof HandoverUnanswered) return reply.code(202).send(unknownAnswer(e));
          throw e;
        }
        deps.log?.info(
          { positionId: answer.id, by: req.principal.name, result: answer.result },
          'close asked through the API',
        );
        return reply.code(answer.result === 'requested' ? 202 : 200).send(answer);
      },
    );
  };

/** A request handed to the account's owner whose answer is not known: accepted, to be polled (never a 5xx). */
function unknownAnswer(e: HandoverUnanswered): { id: string; outcome: 'unknown'; poll: string; message: string } {
  return { id: e.positionId, outcome: 'unknown', poll: `/v1/positions/${e.positionId}`, message: e.message };
}
