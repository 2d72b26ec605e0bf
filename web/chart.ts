/**
 * Draws the position machine as SVG from the layout the server computed from the machine's own
 * definition: every state with its count, every transition with its label (eventless `always`
 * and delayed `after` ones included, with their guards' names). For one position, its current
 * state and the path it took are highlighted.
 */
import { s } from './dom.js';
import type { Dashboard } from './types.js';

export interface ChartOptions {
  /** Positions per state (the fleet view). */
  readonly counts?: ReadonlyMap<string, number>;
  /** Stuck positions per state. */
  readonly stuck?: ReadonlyMap<string, number>;
  /** The state of the position shown. */
  readonly current?: string;
  /** The states it went through, in order. */
  readonly path?: readonly string[];
  readonly onPick?: (state: string) => void;
}

export function statechart(dash: Dashboard, opts: ChartOptions = {}): SVGElement {
  const { layout } = dash;
  const taken = new Set<string>();
  const path = opts.path ?? [];
  for (let i = 1; i < path.length; i++) if (path[i - 1] !== path[i]) taken.add(`${path[i - 1]}->${path[i]}`);
  const visited = new Set(path);
  const finals = new Set(dash.states.filter((x) => x.final).map((x) => x.id));
  const initial = dash.states.find((x) => x.initial)?.id;
  const svg = s('svg', {
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    class: 'chart',
    role: 'img',
    'aria-label': 'the position machine: states and transitions',
  });
  // Through the CSSOM: the page's Content-Security-Policy allows no inline style attribute.
  svg.style.maxWidth = `${layout.width}px`;
  svg.appendChild(
    s(
      'defs',
      {},
      s(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M0 0 L10 5 L0 10 z', class: 'arrowhead' }),
      ),
      s(
        'marker',
        {
          id: 'arrow-taken',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M0 0 L10 5 L0 10 z', class: 'arrowhead taken' }),
      ),
    ),
  );
  const edges = s('g', { class: 'edges' });
  const labels = s('g', { class: 'labels' });
  for (const e of layout.edges) {
    const on = taken.has(`${e.from}->${e.to}`);
    edges.appendChild(
      s(
        'path',
        {
          d: e.d,
          class: `edge${e.back ? ' back' : ''}${on ? ' taken' : ''}`,
          'marker-end': on ? 'url(#arrow-taken)' : 'url(#arrow)',
          'data-edge': `${e.from}->${e.to}`,
        },
        s('title', {}, `${e.from} → ${e.to}\n${e.label.lines.join('\n')}`),
      ),
    );
    const l = e.label;
    const g = s('g', { class: `label${on ? ' taken' : ''}`, 'data-label': `${e.from}->${e.to}` });
    g.appendChild(s('rect', { x: l.x - l.w / 2, y: l.y - l.h / 2, width: l.w, height: l.h, rx: 3 }));
    l.lines.forEach((line, i) =>
      g.appendChild(s('text', { x: l.x - l.w / 2 + 5, y: l.y - l.h / 2 + 13 + i * 12 }, line)),
    );
    labels.appendChild(g);
  }
  svg.appendChild(edges);
  svg.appendChild(labels);
  for (const n of layout.nodes) {
    const count = opts.counts?.get(n.id) ?? 0;
    const stuck = opts.stuck?.get(n.id) ?? 0;
    const cls = [
      'node',
      finals.has(n.id) ? 'final' : '',
      n.id === initial ? 'initial' : '',
      visited.has(n.id) ? 'visited' : '',
      n.id === opts.current ? 'current' : '',
      count > 0 ? 'occupied' : '',
      stuck > 0 ? 'stuck' : '',
      opts.onPick ? 'pickable' : '',
    ]
      .filter(Boolean)
      .join(' ');
    const g = s('g', {
      class: cls,
      'data-state': n.id,
      'data-count': opts.counts === undefined ? undefined : String(count),
      tabindex: opts.onPick ? 0 : undefined,
      role: opts.onPick ? 'button' : undefined,
      'aria-label':
        opts.counts === undefined
          ? n.id
          : `${n.id}: ${count} position${count === 1 ? '' : 's'}${stuck > 0 ? `, ${stuck} stuck` : ''}`,
    });
    g.appendChild(s('rect', { x: n.x - n.w / 2, y: n.y - n.h / 2, width: n.w, height: n.h, rx: 9 }));
    if (finals.has(n.id))
      g.appendChild(
        s('rect', {
          class: 'inner',
          x: n.x - n.w / 2 + 3,
          y: n.y - n.h / 2 + 3,
          width: n.w - 6,
          height: n.h - 6,
          rx: 7,
        }),
      );
    g.appendChild(s('text', { x: n.x, y: opts.counts === undefined ? n.y + 5 : n.y - 2, class: 'name' }, n.id));
    if (opts.counts !== undefined)
      g.appendChild(
        s('text', { x: n.x, y: n.y + 15, class: 'count' }, `${count}${stuck > 0 ? ` · ${stuck} stuck` : ''}`),
      );
    if (opts.onPick !== undefined) {
      const pick = opts.onPick;
      g.addEventListener('click', () => pick(n.id));
      g.addEventListener('keydown', (ev) => {
        if ((ev as KeyboardEvent).key === 'Enter') pick(n.id);
      });
    }
    svg.appendChild(g);
  }
  return svg;
}
