/**
 * Over 300 lines on purpose: one layered-graph layout (ranks, order, coordinates, label boxes, back edges) that reads best whole.
 *
 * A layered (Sugiyama-style) layout of a small directed graph — the position machine's ~11
 * states — computed here so the page only draws. Cycles are broken by a depth-first walk
 * from the first node (those edges are laid out reversed and drawn back up); nodes get
 * layers by longest path; each edge becomes a chain through the rows between its ends, its
 * label a box of its own in the row just after its start, so labels take room like nodes and
 * never sit on one; rows are ordered by barycentre sweeps, x placed by pulling each box
 * toward its neighbours while keeping the order and the gaps; edges are drawn as vertical
 * S-curves through their chain.
 *
 * Pure: receives node ids and edges with their label lines; answers boxes and SVG paths.
 *
 * @example
 * const layout = layoutGraph(['a', 'b'], [{ from: 'a', to: 'b', lines: ['always'] }]);
 * layout.nodes[1].y > layout.nodes[0].y; // true
 */

export interface LayoutInput {
  readonly from: string;
  readonly to: string;
  readonly lines: readonly string[];
}

export interface Box {
  /** Centre. */
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface NodeBox extends Box {
  readonly id: string;
  readonly layer: number;
}

export interface EdgePath {
  readonly from: string;
  readonly to: string;
  /** An SVG path from `from` to `to` (`M … C …`). */
  readonly d: string;
  /** Whether it goes back up (a cycle in the machine). */
  readonly back: boolean;
  readonly label: Box & { readonly lines: readonly string[] };
}

export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly NodeBox[];
  readonly edges: readonly EdgePath[];
}

const NODE_W = 136;
const NODE_H = 44;
const GAP_X = 16;
const GAP_Y = 14;
const MARGIN = 12;
const CHAR_W = 5.1;
const LINE_H = 12;
const DUMMY_W = 6;

interface Vertex {
  readonly key: string;
  readonly kind: 'node' | 'label' | 'dummy';
  readonly w: number;
  readonly h: number;
  readonly row: number;
  x: number;
}

/** Which edges go back (a depth-first walk in declaration order). */
function backEdges(ids: readonly string[], edges: readonly LayoutInput[]): Set<number> {
  const back = new Set<number>();
  const state = new Map<string, 'open' | 'done'>();
  const order = (id: string) => ids.indexOf(id);
  const walk = (id: string): void => {
    state.set(id, 'open');
    const out = edges
      .map((e, i) => ({ e, i }))
      .filter((x) => x.e.from === id)
      .sort((a, b) => order(a.e.to) - order(b.e.to));
    for (const { e, i } of out) {
      const s = state.get(e.to);
      if (s === 'open' || e.to === id) back.add(i);
      else if (s === undefined) walk(e.to);
    }
    state.set(id, 'done');
  };
  for (const id of ids) if (!state.has(id)) walk(id);
  return back;
}

/** Longest-path layers over edges that are all forward. */
function layersOf(ids: readonly string[], edges: readonly { from: string; to: string }[]): Map<string, number> {
  const layer = new Map<string, number>(ids.map((id) => [id, 0]));
  for (let pass = 0; pass <= ids.length; pass++) {
    let changed = false;
    for (const e of edges) {
      const want = (layer.get(e.from) ?? 0) + 1;
      if ((layer.get(e.to) ?? 0) < want) {
        layer.set(e.to, want);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return layer;
}

function labelSize(lines: readonly string[]): { w: number; h: number } {
  return { w: Math.ceil(Math.max(8, ...lines.map((l) => l.length)) * CHAR_W + 10), h: lines.length * LINE_H + 6 };
}

/** Orders each row by the mean order of its neighbours, sweeping down and up. */
function orderRows(rows: Vertex[][], links: readonly (readonly [Vertex, Vertex])[]): void {
  const index = new Map<Vertex, number>();
  const refresh = () => rows.forEach((row) => row.forEach((v, i) => index.set(v, i - (row.length - 1) / 2)));
  refresh();
  const up = new Map<Vertex, Vertex[]>();
  const down = new Map<Vertex, Vertex[]>();
  for (const [a, b] of links) {
    down.set(a, [...(down.get(a) ?? []), b]);
    up.set(b, [...(up.get(b) ?? []), a]);
  }
  for (let sweep = 0; sweep < 12; sweep++) {
    const goingDown = sweep % 2 === 0;
    for (let r = goingDown ? 1 : rows.length - 2; goingDown ? r < rows.length : r >= 0; r += goingDown ? 1 : -1) {
      const row = rows[r] as Vertex[];
      const score = new Map(
        row.map((v) => {
          const near = (goingDown ? up.get(v) : down.get(v)) ?? [];
          return [
            v,
            near.length === 0 ? (index.get(v) ?? 0) : near.reduce((s, n) => s + (index.get(n) ?? 0), 0) / near.length,
          ];
        }),
      );
      row.sort((a, b) => (score.get(a) ?? 0) - (score.get(b) ?? 0));
      refresh();
    }
  }
}

/**
 * Places x: each row packed and centred, then relaxed — every box moves halfway toward the
 * mean of its neighbours, and boxes closer than their gap are pushed apart symmetrically (so
 * nothing drifts to one side), keeping the order of each row.
 */
function placeX(rows: Vertex[][], links: readonly (readonly [Vertex, Vertex])[]): void {
  const near = new Map<Vertex, Vertex[]>();
  for (const [a, b] of links) {
    near.set(a, [...(near.get(a) ?? []), b]);
    near.set(b, [...(near.get(b) ?? []), a]);
  }
  for (const row of rows) {
    const total = row.reduce((s, v) => s + v.w + GAP_X, -GAP_X);
    let x = -total / 2;
    for (const v of row) {
      v.x = x + v.w / 2;
      x += v.w + GAP_X;
    }
  }
  const gap = (a: Vertex, b: Vertex) => a.w / 2 + GAP_X + b.w / 2;
  for (let pass = 0; pass < 80; pass++) {
    for (const row of rows) {
      const want = row.map((v) => {
        const n = near.get(v) ?? [];
        return n.length === 0 ? v.x : n.reduce((s, m) => s + m.x, 0) / n.length;
      });
      row.forEach((v, i) => {
        v.x += ((want[i] ?? v.x) - v.x) * 0.5;
      });
      for (let k = 0; k < 20; k++) {
        let moved = false;
        for (let i = 1; i < row.length; i++) {
          const a = row[i - 1] as Vertex;
          const b = row[i] as Vertex;
          const short = a.x + gap(a, b) - b.x;
          if (short > 0.01) {
            a.x -= short / 2;
            b.x += short / 2;
            moved = true;
          }
        }
        if (!moved) break;
      }
    }
  }
}

export function layoutGraph(ids: readonly string[], edges: readonly LayoutInput[]): GraphLayout {
  const back = backEdges(ids, edges);
  // Every edge oriented downwards for the layout (a back edge reversed).
  const oriented = edges.map((e, i) => (back.has(i) ? { from: e.to, to: e.from } : { from: e.from, to: e.to }));
  const layer = layersOf(ids, oriented);
  const rowCount = 2 * Math.max(0, ...layer.values()) + 1;
  const rows: Vertex[][] = Array.from({ length: rowCount }, () => []);
  const nodes = new Map<string, Vertex>();
  for (const id of ids) {
    const v: Vertex = { key: id, kind: 'node', w: NODE_W, h: NODE_H, row: 2 * (layer.get(id) ?? 0), x: 0 };
    nodes.set(id, v);
    rows[v.row]?.push(v);
  }
  const links: (readonly [Vertex, Vertex])[] = [];
  const chains = oriented.map((e, i) => {
    const a = nodes.get(e.from) as Vertex;
    const b = nodes.get(e.to) as Vertex;
    const chain: Vertex[] = [a];
    // The label sits in the label row nearest the middle of the edge, so long edges spread theirs.
    const labelRow = a.row + 1 + 2 * Math.floor((b.row - a.row - 2) / 4);
    for (let r = a.row + 1; r < b.row; r++) {
      const label = r === labelRow;
      const size = label ? labelSize((edges[i] as LayoutInput).lines) : { w: DUMMY_W, h: 0 };
      const v: Vertex = { key: `${i}:${r}`, kind: label ? 'label' : 'dummy', w: size.w, h: size.h, row: r, x: 0 };
      rows[r]?.push(v);
      chain.push(v);
    }
    chain.push(b);
    for (let k = 1; k < chain.length; k++) links.push([chain[k - 1] as Vertex, chain[k] as Vertex]);
    return chain;
  });
  orderRows(rows, links);
  placeX(rows, links);
  // Rows' heights and tops.
  const tops: number[] = [];
  let y = MARGIN;
  for (const row of rows) {
    tops.push(y);
    y += Math.max(0, ...row.map((v) => v.h)) + GAP_Y;
  }
  const rowMid = (r: number) => (tops[r] ?? 0) + Math.max(0, ...(rows[r] ?? []).map((v) => v.h)) / 2;
  const minX = Math.min(...rows.flat().map((v) => v.x - v.w / 2)) - MARGIN;
  const maxX = Math.max(...rows.flat().map((v) => v.x + v.w / 2)) + MARGIN;
  const X = (v: Vertex) => v.x - minX;
  // Where an edge leaves or enters a node: spread along its side, in the order of the next vertex.
  const port = (node: Vertex, other: Vertex, side: 'top' | 'bottom'): number => {
    const others = links
      .filter(([a, b]) => (side === 'bottom' ? a === node : b === node))
      .map(([a, b]) => (side === 'bottom' ? b : a))
      .sort((p, q) => p.x - q.x);
    const k = others.indexOf(other);
    return others.length <= 1 ? X(node) : X(node) + (k / (others.length - 1) - 0.5) * (node.w - 36);
  };
  const paths = chains.map((chain, i): EdgePath => {
    const e = edges[i] as LayoutInput;
    const pts: { x: number; y: number }[] = [];
    const first = chain[0] as Vertex;
    const last = chain[chain.length - 1] as Vertex;
    pts.push({ x: port(first, chain[1] as Vertex, 'bottom'), y: rowMid(first.row) + first.h / 2 });
    for (const v of chain.slice(1, -1)) {
      pts.push({ x: X(v), y: rowMid(v.row) - v.h / 2 });
      if (v.h > 0) pts.push({ x: X(v), y: rowMid(v.row) + v.h / 2 });
    }
    pts.push({ x: port(last, chain[chain.length - 2] as Vertex, 'top'), y: rowMid(last.row) - last.h / 2 });
    const ordered = back.has(i) ? [...pts].reverse() : pts;
    const d = smoothPath(ordered);
    const labelVertex = chain.find((v) => v.kind === 'label');
    const size = labelSize(e.lines);
    const label =
      labelVertex !== undefined
        ? { x: r1(X(labelVertex)), y: r1(rowMid(labelVertex.row)), w: size.w, h: size.h, lines: e.lines }
        : // Adjacent rows cannot happen (a label row lies between any two node rows); kept for safety.
          {
            x: r1(pts[0]?.x ?? 0),
            y: r1(((pts[0]?.y ?? 0) + (pts.at(-1)?.y ?? 0)) / 2),
            w: size.w,
            h: size.h,
            lines: e.lines,
          };
    return { from: e.from, to: e.to, d, back: back.has(i), label };
  });
  return {
    width: Math.ceil(maxX - minX),
    height: Math.ceil(y - GAP_Y + MARGIN),
    nodes: [...nodes.values()].map((v) => ({
      id: v.key,
      layer: v.row / 2,
      x: r1(X(v)),
      y: r1(rowMid(v.row)),
      w: v.w,
      h: v.h,
    })),
    edges: paths,
  };
}

const r1 = (n: number): number => Math.round(n * 10) / 10;

/** A smooth curve through the points (Catmull-Rom as cubic Béziers), leaving and entering vertically. */
function smoothPath(pts: readonly { x: number; y: number }[]): string {
  const p = (k: number) => pts[Math.max(0, Math.min(pts.length - 1, k))] as { x: number; y: number };
  let d = `M ${r1(p(0).x)} ${r1(p(0).y)}`;
  for (let k = 0; k + 1 < pts.length; k++) {
    const a = p(k);
    const b = p(k + 1);
    // The ends leave and enter their node vertically; inner points follow the neighbours.
    const before = k === 0 ? { x: a.x, y: a.y - (b.y - a.y) } : p(k - 1);
    const after = k + 2 >= pts.length ? { x: b.x, y: b.y + (b.y - a.y) } : p(k + 2);
    const c1 = { x: a.x + (b.x - before.x) / 6, y: a.y + (b.y - before.y) / 6 };
    const c2 = { x: b.x - (after.x - a.x) / 6, y: b.y - (after.y - a.y) / 6 };
    d += ` C ${r1(c1.x)} ${r1(c1.y)} ${r1(c2.x)} ${r1(c2.y)} ${r1(b.x)} ${r1(b.y)}`;
  }
  return d;
}
