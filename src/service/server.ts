/**
 * The HTTP API (see docs/architecture.md, Public contracts) on fastify: JSON in and out, JSON schemas on every input,
 * every request checked (`auth/request-checks.ts`) and authenticated (bearer token or session
 * cookie) before its route, every error mapped to its status in one place (`errors.ts`),
 * bodies capped, and every response passed through the secret redactor as a second defence.
 *
 * Receives: HTTP requests. Sends: JSON answers, server-sent events. Touches: the `GuardApi`,
 * the event log, the metrics, the readiness probe.
 *
 * @example
 * const app = await buildServer({ api, events, metrics, ready, tokens, hosts, secrets, now: Date.now });
 * await app.listen({ host: '127.0.0.1', port: 7070 });
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../log/logger.js';
import { compileSecrets, redactText } from '../log/redact.js';
import { checkRequest } from './auth/request-checks.js';
import { SESSION_COOKIE, readCookie, verifySession } from './auth/session-cookie.js';
import { ANONYMOUS, allows, type Principal, type Scope, type TokenTable } from './auth/tokens.js';
import { RequestRefused, httpError } from './errors.js';
import type { EventLog } from './events/event-log.js';
import type { GuardApi } from './guard-api.js';
import type { Readiness } from './health.js';
import type { Metrics } from './metrics.js';
import type { ActionLog } from './operator-actions.js';
import { accountRoutes } from './routes/accounts.js';
import { alertRoutes } from './routes/alerts.js';
import { eventRoutes } from './routes/events.js';
import { dashboardRoutes, type DashboardSettings } from './routes/dashboard.js';
import { opsRoutes } from './routes/ops.js';
import { orphanRoutes } from './routes/orphans.js';
import { positionRoutes } from './routes/positions.js';
import { sessionRoutes } from './routes/session.js';
import { sweepRoutes } from './routes/sweeps.js';

/** Largest request body accepted (an intent is a few hundred bytes). */
export const BODY_LIMIT_BYTES = 16 * 1024;

export interface ServerDeps {
  readonly api: GuardApi;
  readonly events: EventLog;
  readonly metrics: Metrics;
  readonly ready: () => Promise<Readiness>;
  readonly tokens: TokenTable;
  /** The host names that are the server's own (`ownHosts`). */
  readonly hosts: ReadonlySet<string>;
  /** Secret values that must never leave in a response. */
  readonly secrets: readonly string[];
  readonly now: () => number;
  readonly log?: Logger;
  /** What the dashboard needs besides the API (`routes/dashboard.ts`). */
  readonly dashboard?: DashboardSettings;
  /** Mounts bull-board at `/queues` (with Redis). */
  readonly board?: (app: FastifyInstance) => Promise<void>;
  /** Where operator actions are recorded (and put on the event stream). */
  readonly actions: ActionLog;
  /** Resolves when the server stops (open event streams end). */
  readonly stopping?: Promise<unknown>;
}

/** What a route declares: the scope it needs, or `public` (the health checks). */
export interface RouteAccess {
  readonly scope?: Scope;
  readonly public?: boolean;
  /** A PUT or DELETE that carries no body (bull-board's writes): no JSON content type needed; the origin checks still apply. */
  readonly bodyless?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** Security headers on every answer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** The principal of a request, or a refusal: bearer first, then the session cookie. */
function authenticate(req: FastifyRequest, deps: ServerDeps): Principal | RequestRefused {
  if (!deps.tokens.required) return ANONYMOUS;
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    const who = m?.[1] === undefined ? undefined : deps.tokens.byToken(m[1]);
    return who ?? new RequestRefused('UNAUTHORIZED', 401, 'the bearer token is not valid');
  }
  const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (cookie !== undefined)
    return (
      verifySession(cookie, deps.tokens, deps.now()) ??
      new RequestRefused(
        'UNAUTHORIZED',
        401,
        'the session has expired or is not valid; sign in again (POST /v1/session)',
      )
    );
  return new RequestRefused(
    'UNAUTHORIZED',
    401,
    'a token is needed: Authorization: Bearer <token>, or a session cookie from POST /v1/session',
  );
}

/** A fastify validation error as the field it names. */
function validationField(e: {
  validation?: { instancePath?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
}): string {
  const v = e.validation?.[0];
  const path = (v?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const extra = v?.params?.missingProperty ?? v?.params?.additionalProperty;
  const field = [path, typeof extra === 'string' ? extra : ''].filter((x) => x !== '').join('.');
  return field === '' ? (e.validationContext ?? 'body') : field;
}

function sendError(reply: FastifyReply, e: unknown, log: Logger | undefined): FastifyReply {
  const err = e as { validation?: unknown; statusCode?: number; code?: string; message?: string };
  if (err.validation !== undefined) {
    const field = validationField(e as never);
    return reply
      .code(400)
      .send({ error: 'INVALID_REQUEST', field, message: `${field} ${(err.message ?? '').replace(/^[^ ]+ /, '')}` });
  }
  // fastify's own 4xx (body too large, media type, broken JSON): its code and message.
  if (
    !(e instanceof RequestRefused) &&
    typeof err.statusCode === 'number' &&
    err.statusCode >= 400 &&
    err.statusCode < 500 &&
    typeof err.code === 'string'
  ) {
    return reply
      .code(err.statusCode)
      .send({ error: err.code.replace(/^FST_ERR_(CTP_)?/, ''), message: err.message ?? 'bad request' });
  }
  const { status, body } = httpError(e);
  // A 501 is an answer (what this version cannot do), not a failure of posguard's.
  if (status === 501) log?.info({ status, code: body.error }, body.message);
  else if (status >= 500)
    log?.error({ status, code: body.error, reason: e instanceof Error ? e.message : String(e) }, 'request failed');
  return reply.code(status).send(body);
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Inputs are taken as sent: no coercion, no silently removed keys.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    return503OnClosing: true,
  });
  const secrets = compileSecrets(deps.secrets);
  app.decorateRequest('principal', null as unknown as Principal);

  // An empty JSON body is `{}` (a POST that needs no body still says it is JSON).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, {});
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new RequestRefused('INVALID_JSON', 400, 'the body is not valid JSON'), undefined);
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) void reply.header(k, v);
    const access = req.routeOptions.config.access ?? {};
    if (access.public === true) return;
    // Refusals are answered here, not thrown: a plugin's own error handler (bull-board's) must not turn them into 500s.
    const refused = checkRequest({ method: req.method, headers: req.headers }, deps.hosts, {
      bodyless: access.bodyless === true,
    });
    if (refused !== undefined) return sendError(reply, refused, deps.log);
    const who = authenticate(req, deps);
    if (who instanceof RequestRefused) return sendError(reply, who, deps.log);
    req.principal = who;
    const scope = access.scope ?? 'read';
    if (!allows(who, scope))
      return sendError(
        reply,
        new RequestRefused(
          'FORBIDDEN',
          403,
          `the token '${who.name}' has no '${scope}' scope, which this request needs`,
        ),
        deps.log,
      );
    return undefined;
  });

  app.addHook('onSend', async (_req, _reply, payload) =>
    typeof payload === 'string' ? redactText(payload, secrets) : payload,
  );

  app.setErrorHandler((e, _req, reply) => sendError(reply, e, deps.log));
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );

  await app.register(positionRoutes(deps));
  await app.register(accountRoutes(deps));
  await app.register(alertRoutes(deps));
  await app.register(sweepRoutes(deps));
  await app.register(eventRoutes(deps));
  await app.register(sessionRoutes(deps));
  await app.register(opsRoutes(deps));
  await app.register(orphanRoutes(deps));
  await app.register(
    dashboardRoutes(
      deps,
      deps.dashboard ?? { stuckAfterMs: 300_000, environment: '', board: deps.board !== undefined },
    ),
  );
  if (deps.board !== undefined) await deps.board(app);
  return app;
}
