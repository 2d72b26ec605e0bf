/**
 * The dashboard: `GET /` (the page), `/dashboard/app.js` and `/dashboard/app.css` (the bundle,
 * see `dashboard/bundle.ts`), all public — they hold no data and no secret, and the page signs
 * in with the session cookie before it reads anything — but served only to the server's own
 * host names, with a Content-Security-Policy that lets the page reach nothing but this server.
 * `GET /v1/dashboard` (read) gives the page what it draws with: the machine's graph and layout,
 * the states a position may rest in, the stuck threshold and the environment's label.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { FINAL_STATES, positionMachine } from '../../machines/position.machine.js';
import { checkRequest } from '../auth/request-checks.js';
import { dashboardAssets } from '../dashboard/bundle.js';
import { layoutGraph } from '../dashboard/layout.js';
import { machineGraph, transitionText } from '../dashboard/machine-graph.js';
import type { ServerDeps } from '../server.js';

/** Nothing but this server: no CDN, no font, no frame, no inline script or style. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>posguard</title>
<link rel="stylesheet" href="/dashboard/app.css">
</head>
<body>
<div id="app"><p>loading…</p></div>
<div id="modal"></div>
<div id="toasts"></div>
<script src="/dashboard/app.js"></script>
</body>
</html>
`;

/** States a position is expected to sit in for long (as the reconciliation sweep counts them): never "stuck". */
const RESTING = ['open', 'orphanAlert'];

let machine: { states: unknown; layout: unknown } | undefined;
function drawnMachine(): { states: unknown; layout: unknown } {
  if (machine === undefined) {
    const graph = machineGraph(positionMachine);
    const layout = layoutGraph(
      graph.states.map((s) => s.id),
      graph.edges.map((e) => ({ from: e.from, to: e.to, lines: e.transitions.map(transitionText) })),
    );
    machine = { states: graph.states, layout };
  }
  return machine;
}

export interface DashboardSettings {
  readonly stuckAfterMs: number;
  readonly environment: string;
  /** Whether `/queues` (bull-board) is served. */
  readonly board: boolean;
}

export const dashboardRoutes =
  (deps: ServerDeps, settings: DashboardSettings): FastifyPluginAsync =>
  async (app) => {
    const open = { access: { public: true } };
    const ownHostOnly = (req: FastifyRequest) => {
      const refused = checkRequest({ method: req.method, headers: req.headers }, deps.hosts);
      if (refused !== undefined) throw refused;
    };
    app.get('/', { config: open }, async (req, reply) => {
      ownHostOnly(req);
      return reply.type('text/html; charset=utf-8').header('content-security-policy', DASHBOARD_CSP).send(PAGE);
    });
    app.get('/dashboard/app.js', { config: open }, async (req, reply) => {
      ownHostOnly(req);
      return reply.type('text/javascript; charset=utf-8').send((await dashboardAssets()).js);
    });
    app.get('/dashboard/app.css', { config: open }, async (req, reply) => {
      ownHostOnly(req);
      return reply.type('text/css; charset=utf-8').send((await dashboardAssets()).css);
    });
    app.get('/v1/dashboard', async () => ({
      ...drawnMachine(),
      resting: RESTING,
      finalStates: FINAL_STATES,
      stuckAfterMs: settings.stuckAfterMs,
      environment: settings.environment,
      persistence: deps.api.persistence,
      board: settings.board,
      // The server's clock: the page counts times in state on it, whatever the browser's clock says.
      now: deps.now(),
    }));
  };
