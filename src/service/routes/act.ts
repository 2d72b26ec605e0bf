/**
 * Runs an operator action of a route and records it (who, what, why, result) whether it is
 * carried out or refused: the record is put on the event stream and shown by the dashboard.
 */
import type { FastifyRequest } from 'fastify';
import { errorText } from '../../domain/errors.js';
import type { ActionDraft } from '../operator-actions.js';
import type { ServerDeps } from '../server.js';

export async function act<T>(
  deps: ServerDeps,
  req: FastifyRequest,
  draft: Omit<ActionDraft, 'by' | 'result'>,
  work: () => Promise<T>,
  result?: (value: T) => string,
): Promise<T> {
  const by = req.principal.name;
  let value: T;
  try {
    value = await work();
  } catch (e) {
    await deps.actions.record({ ...draft, by, result: `refused: ${errorText(e)}` }).catch(() => {});
    throw e;
  }
  await deps.actions
    .record({ ...draft, by, result: result?.(value) ?? 'done' })
    .catch((e: unknown) =>
      deps.log?.warn(
        { err: e, action: draft.what, account: draft.account, positionId: draft.positionId },
        'an operator action could not be recorded',
      ),
    );
  return value;
}
