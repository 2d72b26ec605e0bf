/**
 * posguard's dashboard: served by posguard itself, bundled at build time, nothing fetched
 * from elsewhere. It signs in with the session cookie (a token typed once, never in a URL),
 * loads the state once, then learns everything from `GET /v1/events`; the clock on the page
 * only redraws ages. Actions show only for a token whose scope allows them.
 */
import { api, ApiError } from './api.js';
import { connect } from './events.js';
import { h } from './dom.js';
import { errorText } from './modal.js';
import { apply, canAdmin, canTrade, changed, onChange, state } from './store.js';
import type {
  Account,
  Alert,
  Dashboard,
  OperatorAction,
  OrphanRow,
  Position,
  ServiceEvent,
  Session,
  SweepReport,
} from './types.js';
import { accountsView } from './views/accounts.js';
import { alertsView } from './views/alerts.js';
import { fleetView } from './views/fleet.js';
import { orphansView } from './views/orphans.js';
import { positionView } from './views/position.js';
import { positionsView } from './views/positions.js';
import { sweepsView } from './views/sweeps.js';

const app = document.getElementById('app') as HTMLElement;

function loginView(message?: string): void {
  const token = h('input', {
    type: 'password',
    id: 'token',
    name: 'token',
    autocomplete: 'current-password',
    required: true,
    'data-field': 'token',
  });
  const status = h('p', { class: 'error', role: 'alert' }, message ?? '');
  const form = h(
    'form',
    {
      class: 'login',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        try {
          await api('POST', '/v1/session', { token: token.value });
          token.value = '';
          await start();
        } catch (e) {
          token.value = '';
          status.textContent = e instanceof ApiError && e.status === 401 ? 'That token is not valid.' : errorText(e);
        }
      },
    },
    h('h1', {}, 'posguard'),
    h('p', {}, 'Sign in with an API token. It is exchanged for a session cookie; it is not kept by the page.'),
    h('label', { for: 'token' }, 'token'),
    token,
    h('button', { class: 'primary', type: 'submit', 'data-action': 'sign-in' }, 'Sign in'),
    status,
  );
  app.replaceChildren(form);
  token.focus();
}

/** Loads the whole state (the first load, and after a `gap`). */
async function loadAll(): Promise<void> {
  const [dash, positions, alerts, sweeps, accounts, orphans, audit] = await Promise.all([
    api<Dashboard>('GET', '/v1/dashboard'),
    api<Position[]>('GET', '/v1/positions'),
    api<Alert[]>('GET', '/v1/alerts'),
    api<SweepReport[]>('GET', '/v1/sweeps'),
    api<Account[]>('GET', '/v1/accounts'),
    api<OrphanRow[]>('GET', '/v1/orphans'),
    // The audit log (newest first); a server that answers 501 for it has none, and the page says so with its reason.
    api<OperatorAction[]>('GET', '/v1/audit?limit=500').then(
      (list) => ({ list }),
      (e: unknown) => ({ missing: e instanceof ApiError && e.status === 501 ? e.message : undefined }),
    ),
  ]);
  state.dash = dash;
  state.skew = dash.now - Date.now();
  state.positions = new Map(positions.map((p) => [p.id, p]));
  state.alerts = alerts;
  state.sweeps = sweeps;
  state.accounts = new Map(accounts.map((a) => [a.id, a]));
  state.orphans = new Map(accounts.map((a) => [a.id, orphans.filter((o) => o.account === a.id)]));
  if ('list' in audit) state.actions = [...audit.list].reverse();
  if ('list' in audit || audit.missing === undefined) state.unavailable.delete('audit');
  else state.unavailable.set('audit', audit.missing);
}

async function start(): Promise<void> {
  let session: Session;
  try {
    session = await api<Session>('GET', '/v1/session');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      loginView();
      return;
    }
    app.replaceChildren(h('p', { class: 'error' }, `posguard did not answer: ${errorText(e)}`));
    return;
  }
  state.session = session;
  // The stream first, what it says held until the first load is in, so nothing falls between.
  let held: ServiceEvent[] | undefined = [];
  let reloading = false;
  const reload = async () => {
    if (reloading) return;
    reloading = true;
    held ??= [];
    try {
      await loadAll();
    } finally {
      const events = held ?? [];
      held = undefined;
      for (const e of events) apply(e);
      reloading = false;
      changed();
    }
  };
  connect({
    event: (e) => {
      if (held !== undefined) held.push(e);
      else {
        apply(e);
        changed();
      }
    },
    gap: () => void reload(),
    status: (live) => {
      state.live = live;
      changed();
    },
  });
  shell();
  await reload();
  setInterval(changed, 1_000);
}

const NAV: readonly [string, string][] = [
  ['#/', 'Fleet'],
  ['#/positions', 'Positions'],
  ['#/orphans', 'Orphans'],
  ['#/alerts', 'Alerts'],
  ['#/sweeps', 'Sweeps'],
  ['#/accounts', 'Accounts'],
];

function shell(): void {
  app.replaceChildren(
    h(
      'header',
      { class: 'top' },
      h('a', { class: 'brand', href: '#/' }, 'posguard'),
      h('span', { id: 'env', class: 'env' }),
      h('span', { id: 'live', class: 'live' }),
      h(
        'span',
        { class: 'who' },
        h('span', { id: 'who' }),
        state.session?.authRequired === true
          ? h(
              'button',
              {
                class: 'link',
                'data-action': 'sign-out',
                onclick: async () => {
                  await api('DELETE', '/v1/session').catch(() => {});
                  location.reload();
                },
              },
              'sign out',
            )
          : null,
      ),
    ),
    h('nav', { id: 'nav' }),
    h('main', { id: 'view' }),
  );
  onChange(schedule);
  window.addEventListener('hashchange', () => render());
  render();
}

let pending = false;
function schedule(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    render();
  });
}

function route(): { path: string[]; query: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?');
  return {
    path: path
      .split('/')
      .filter((x) => x !== '')
      .map(decodeURIComponent),
    query: new URLSearchParams(query),
  };
}

function render(): void {
  const view = document.getElementById('view');
  if (view === null) return;
  const now = Date.now() + state.skew;
  const { path, query } = route();
  const [page = '', ...rest] = path;
  const env = document.getElementById('env');
  if (env !== null) env.textContent = state.dash?.environment ?? '';
  const live = document.getElementById('live');
  if (live !== null) {
    live.textContent = state.live ? '● live' : '○ reconnecting';
    live.className = `live ${state.live ? 'on' : 'off'}`;
    live.setAttribute('data-live', state.live ? '1' : '0');
  }
  const who = document.getElementById('who');
  if (who !== null)
    who.textContent = `${state.session?.name ?? ''} (${state.session?.scopes.join(', ') ?? ''}${canAdmin() ? '' : canTrade() ? ': may close positions' : ': read only'})`;
  const unacked = state.alerts.filter((a) => a.acknowledged === undefined).length;
  const orphans = [...state.orphans.values()].reduce((n, r) => n + r.length, 0);
  const nav = document.getElementById('nav');
  nav?.replaceChildren(
    ...NAV.map(([href, label]) => {
      const active =
        href === `#/${page}` || (href === '#/' && page === '') || (href === '#/positions' && page === 'position');
      const badge = label === 'Alerts' ? unacked : label === 'Orphans' ? orphans : 0;
      return h(
        'a',
        { href, class: active ? 'active' : '', 'data-nav': label.toLowerCase() },
        label,
        badge > 0 ? h('span', { class: 'badge' }, String(badge)) : null,
      );
    }),
  );
  // Keep the focused input (a filter) across the redraw.
  const focused = document.activeElement as HTMLInputElement | null;
  const focusKey = focused?.getAttribute?.('data-focus') ?? undefined;
  const selection =
    focusKey !== undefined && 'selectionStart' in (focused ?? {})
      ? [focused?.selectionStart ?? null, focused?.selectionEnd ?? null]
      : undefined;
  let body: Node;
  switch (page) {
    case '':
      body = fleetView(now);
      break;
    case 'positions':
      body = positionsView(query, now);
      break;
    case 'position':
      body = positionView(rest[0] ?? '', now);
      break;
    case 'orphans':
      body = orphansView();
      break;
    case 'alerts':
      body = alertsView();
      break;
    case 'sweeps':
      body = sweepsView(rest, now);
      break;
    case 'accounts':
      body = accountsView(now);
      break;
    default:
      body = h('p', {}, 'no such page; ', h('a', { href: '#/' }, 'the fleet'));
  }
  view.replaceChildren(body);
  if (focusKey !== undefined) {
    const again = view.querySelector(`[data-focus="${focusKey}"]`) as HTMLInputElement | null;
    again?.focus();
    if (
      again !== null &&
      selection !== undefined &&
      typeof again.setSelectionRange === 'function' &&
      again.type !== 'checkbox'
    ) {
      try {
        again.setSelectionRange(selection[0] ?? null, selection[1] ?? null);
      } catch {
        // Not every input keeps a selection.
      }
    }
  }
}

void start();
