/**
 * The position machine as the dashboard draws it, read from the machine's own definition:
 * `xstate/graph`'s `toDirectedGraph` gives the states and the evented, delayed (`after`) and
 * invoke (done / error) transitions; the eventless (`always`) ones, which it leaves out, are
 * read from each state node. Every transition is folded onto the top-level states it joins
 * (the ~11 public state names), labelled with what triggers it and the guard's name — every
 * guard of the machine is named in `positionSetup`, so the drawing can say it.
 *
 * Pure: receives a machine, answers nodes and edges.
 *
 * @example
 * const graph = machineGraph(positionMachine);
 * graph.edges.find((e) => e.from === 'verifying' && e.to === 'open')?.transitions;
 * // [{ trigger: 'always', guard: 'entryFilled' }, { trigger: 'after untilDeadline', guard: 'entryPartial' }]
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';

export interface GraphTransition {
  /** What fires it: an event type, `always`, `after <delay>`, `<actor> done` or `<actor> error`. */
  readonly trigger: string;
  readonly kind: 'event' | 'always' | 'after' | 'done' | 'error';
  /** The guard's name (`a and b`, `not a`), if it has one. */
  readonly guard?: string;
  /** The substate it leaves from (`sending` in `pending.sending`), when not the state itself. */
  readonly source?: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly transitions: readonly GraphTransition[];
}

export interface GraphState {
  readonly id: string;
  readonly initial: boolean;
  readonly final: boolean;
  /** Its direct substates, in order. */
  readonly substates: readonly string[];
}

export interface MachineGraph {
  readonly states: readonly GraphState[];
  readonly edges: readonly GraphEdge[];
}

interface GuardLike {
  readonly type?: string;
  readonly guards?: readonly unknown[];
  readonly check?: { readonly name?: string };
  readonly name?: string;
}

/** A guard as words: `entryFilled`, `entryFilled and firstStopDue`, `not stopBudgetSpent`. */
export function describeGuard(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  const g = guard as GuardLike;
  if (typeof g.type === 'string') return g.type;
  if (Array.isArray(g.guards)) {
    const parts = g.guards.map((x) => describeGuard(x) ?? '?');
    const op = g.check?.name ?? '';
    if (/not/i.test(op)) return `not ${parts.join(', ')}`;
    if (/or/i.test(op)) return parts.join(' or ');
    return parts.join(' and ');
  }
  // An inline guard has no name worth showing: the test that names every guard catches it.
  return 'inline guard';
}

/** What fires a transition, from its event type and the state it leaves. */
function triggerOf(eventType: string, node: AnyStateNode): Pick<GraphTransition, 'trigger' | 'kind'> {
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after !== null) return { trigger: `after ${after[1]}`, kind: 'after' };
  const invoke = /^xstate\.(done|error)\.actor\./.exec(eventType);
  if (invoke !== null) {
    const src = node.invoke[0]?.src;
    const name = typeof src === 'string' ? src : 'actor';
    return { trigger: `${name} ${invoke[1]}`, kind: invoke[1] as 'done' | 'error' };
  }
  return { trigger: eventType, kind: 'event' };
}

/** The top-level state a state node belongs to (`position.pending.sending` → `pending`). */
function topOf(node: AnyStateNode): string | undefined {
  return node.path[0];
}

function substateOf(node: AnyStateNode): string | undefined {
  return node.path.length > 1 ? node.path.slice(1).join('.') : undefined;
}

export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const root = toDirectedGraph(machine);
  const edges = new Map<string, { from: string; to: string; transitions: GraphTransition[] }>();
  const add = (from: string | undefined, to: string | undefined, t: GraphTransition): void => {
    if (from === undefined || to === undefined || from === to) return;
    const key = `${from}->${to}`;
    const edge = edges.get(key) ?? { from, to, transitions: [] };
    // One label per trigger and guard (the same rule in two substates is drawn once).
    if (!edge.transitions.some((x) => x.trigger === t.trigger && x.guard === t.guard)) edge.transitions.push(t);
    edges.set(key, edge);
  };
  const visit = (n: DirectedGraphNode): void => {
    const node = n.stateNode;
    const source = substateOf(node);
    for (const e of n.edges) {
      const guard = describeGuard(e.transition.guard);
      add(topOf(e.source), topOf(e.target), {
        ...triggerOf(e.transition.eventType, node),
        ...(guard === undefined ? {} : { guard }),
        ...(source === undefined ? {} : { source }),
      });
    }
    for (const t of node.always ?? []) {
      const guard = describeGuard(t.guard);
      for (const target of t.target ?? []) {
        add(topOf(node), topOf(target), {
          trigger: 'always',
          kind: 'always',
          ...(guard === undefined ? {} : { guard }),
          ...(source === undefined ? {} : { source }),
        });
      }
    }
    n.children.forEach(visit);
  };
  root.children.forEach(visit);
  const initial = typeof machine.config.initial === 'string' ? machine.config.initial : undefined;
  const states = root.children.map((c): GraphState => ({
    id: c.stateNode.key,
    initial: c.stateNode.key === initial,
    final: c.stateNode.type === 'final',
    substates: Object.keys(c.stateNode.states),
  }));
  return { states, edges: [...edges.values()] };
}

/** One line of a transition's label: `after untilDeadline [entryPartial]`. */
export function transitionText(t: GraphTransition): string {
  return t.guard === undefined ? t.trigger : `${t.trigger} [${t.guard}]`;
}
