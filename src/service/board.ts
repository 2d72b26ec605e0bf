/**
 * bull-board at `/queues`: the sweep queue of every account and the alert delivery queue,
 * behind the API's own auth (the root `onRequest` hook: a token or the session cookie, `read`
 * to look), read-only (`readOnlyMode`: every write answers 405) unless `http.board.writable`,
 * when its writes need `admin`. Job data carries no secret in the first place (a sweep job
 * names its account, a delivery job holds an alert already redacted); a formatter redacts the
 * data and return values again. Sweep jobs link to their report on the dashboard
 * (`externalJobUrl`); the header shows the environment's label. The board's page names a web
 * font on Google's servers: the link is taken out and a Content-Security-Policy keeps the
 * page on this server.
 *
 * Touches: the queues' Redis keys (read; written only when writable).
 *
 * @example
 * await mountBoard(app, { queues, writable: false, environment: 'live', secrets });
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { redactValue, type CompiledSecrets } from '../log/redact.js';

export const BOARD_PATH = '/queues';

/** The board's page: its own scripts and styles (it inlines some styles), nothing from elsewhere. */
export const BOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

export interface BoardOptions {
  readonly queues: readonly Queue[];
  readonly writable: boolean;
  readonly environment: string;
  readonly secrets: CompiledSecrets;
  /** The account of a sweep queue (its jobs link to the account's sweep reports). */
  readonly sweepAccount: (queueName: string) => string | undefined;
}

const GOOGLE_FONTS = /<link[^>]+fonts\.googleapis\.com[^>]*>/g;

export async function mountBoard(app: FastifyInstance, options: BoardOptions): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  const adapters = options.queues.map((queue) => {
    const account = options.sweepAccount(queue.name);
    const adapter = new BullMQAdapter(queue, {
      readOnlyMode: !options.writable,
      allowRetries: options.writable,
      description:
        account === undefined
          ? 'alert deliveries (one job per alert and channel)'
          : `sweeps of account ${account} (schedules are posguard's: set sweeps.*EveryMs)`,
      ...(account === undefined
        ? {}
        : {
            externalJobUrl: (job: { returnvalue?: unknown }) => {
              const id =
                typeof job.returnvalue === 'object' && job.returnvalue !== null
                  ? (job.returnvalue as { id?: unknown }).id
                  : undefined;
              return typeof id === 'string'
                ? {
                    displayText: 'sweep report',
                    href: `/#/sweeps/${encodeURIComponent(account)}/${encodeURIComponent(id)}`,
                  }
                : { displayText: 'sweep reports', href: `/#/sweeps` };
            },
          }),
    });
    adapter.setFormatter('data', (data: unknown) => redactValue(data, options.secrets));
    adapter.setFormatter('returnValue', (value: unknown) => redactValue(value, options.secrets));
    return adapter;
  });
  createBullBoard({
    queues: adapters,
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'posguard queues',
        hideDocsLink: true,
        miscLinks: [{ text: 'dashboard', url: '/' }],
        environment: {
          label: options.environment,
          color: options.environment === 'live' ? '#c0392b' : '#b7791f',
          textColor: '#ffffff',
        },
      },
    },
  });
  await app.register(async (scope) => {
    // Writes need admin; PUT and DELETE carry no body (a browser never sends them cross-site
    // without a preflight, which posguard never grants), so they need no JSON content type.
    scope.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (methods.some((m) => m !== 'GET' && m !== 'HEAD')) {
        route.config = {
          ...(route.config ?? {}),
          access: { scope: 'admin', bodyless: methods.every((m) => m === 'PUT' || m === 'DELETE') },
        };
      }
    });
    scope.addHook('onSend', async (_req, reply, payload) => {
      const type = String(reply.getHeader('content-type') ?? '');
      if (!type.startsWith('text/html')) return payload;
      void reply.header('content-security-policy', BOARD_CSP);
      return typeof payload === 'string' ? payload.replace(GOOGLE_FONTS, '') : payload;
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: BOARD_PATH });
  });
}
