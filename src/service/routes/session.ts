/**
 * The browser session: `POST /v1/session` with `{ "token" }` sets the HttpOnly, SameSite=Strict
 * session cookie (the token never goes into a URL or a page); `GET /v1/session` says who the
 * request is and what it may do (the dashboard hides what it may not); `DELETE` ends it.
 */
import type { FastifyPluginAsync } from 'fastify';
import { checkRequest } from '../auth/request-checks.js';
import { RequestRefused } from '../errors.js';
import { SESSION_MS, sessionCookie, signSession } from '../auth/session-cookie.js';
import type { ServerDeps } from '../server.js';

const tokenBody = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 512 } },
} as const;

export const sessionRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (app) => {
    const whoami = (name: string, scopes: readonly string[]) => ({ name, scopes, authRequired: deps.tokens.required });

    app.post(
      '/v1/session',
      { schema: { body: tokenBody }, config: { access: { public: true } } },
      async (req, reply) => {
        // Public only in that it needs no token yet: the host, origin and content checks still apply.
        const refused = checkRequest({ method: req.method, headers: req.headers }, deps.hosts);
        if (refused !== undefined) throw refused;
        if (!deps.tokens.required) return whoami('anonymous', ['admin']);
        const { token } = req.body as { token: string };
        const who = deps.tokens.byToken(token);
        if (who === undefined) throw new RequestRefused('UNAUTHORIZED', 401, 'the token is not valid');
        const value = signSession({ name: who.name, token }, deps.now() + SESSION_MS);
        void reply.header('set-cookie', sessionCookie(value, SESSION_MS, req.protocol === 'https'));
        deps.log?.info({ by: who.name }, 'browser session started');
        return whoami(who.name, who.scopes);
      },
    );

    app.get('/v1/session', async (req) => whoami(req.principal.name, req.principal.scopes));

    app.delete('/v1/session', async (_req, reply) => {
      void reply.header('set-cookie', sessionCookie('', 0, false));
      return { ended: true };
    });
  };
