/**
 * The position machine as the dashboard draws it: read from its own definition, every public
 * state there, eventless (`always`) and delayed (`after`) transitions included and labelled,
 * every guard named (none inline); and a layout with every state boxed apart and every
 * transition drawn.
 */
import { describe, expect, it } from 'vitest';
import { POSITION_STATES, positionMachine } from '../../src/machines/position.machine.js';
import { layoutGraph } from '../../src/service/dashboard/layout.js';
import { describeGuard, machineGraph, transitionText } from '../../src/service/dashboard/machine-graph.js';

const graph = machineGraph(positionMachine);
const edge = (from: string, to: string) => graph.edges.find((e) => e.from === from && e.to === to);

describe('the drawn machine', () => {
  it('has every public state, pending first and closed and failed final', () => {
    expect(graph.states.map((s) => s.id).sort()).toEqual([...POSITION_STATES].sort());
    expect(graph.states.find((s) => s.initial)?.id).toBe('pending');
    expect(
      graph.states
        .filter((s) => s.final)
        .map((s) => s.id)
        .sort(),
    ).toEqual(['closed', 'failed']);
  });

  it('includes the eventless and delayed transitions, labelled with their guards', () => {
    expect(edge('verifying', 'open')?.transitions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'always', trigger: 'always', guard: 'entryFilled' }),
        expect.objectContaining({ kind: 'after', trigger: 'after untilDeadline', guard: 'entryPartial' }),
      ]),
    );
    expect(edge('verifying', 'protecting')?.transitions.map(transitionText)).toContain(
      'always [entryFilled and firstStopDue]',
    );
    expect(edge('verifying', 'unknown')?.transitions.map(transitionText)).toEqual(['after untilDeadline']);
    expect(edge('verifyingClosed', 'closed')?.transitions.map(transitionText)).toEqual([
      'always [flatProven and not stopOutstanding]',
    ]);
    expect(edge('pending', 'failed')?.transitions.map(transitionText)).toContain('sendOrder done [sendRejected]');
    expect(edge('orphanAlert', 'open')?.transitions.map(transitionText)).toContain('ADOPT');
    expect(edge('open', 'protecting')?.transitions.map(transitionText)).toContain('always [newStopDue]');
  });

  it('names every guard of the machine (none is inline)', () => {
    const all = graph.edges.flatMap((e) => e.transitions);
    expect(all.length).toBeGreaterThan(40);
    expect(all.filter((t) => t.guard === 'inline guard')).toEqual([]);
    expect(describeGuard(() => true)).toBe('inline guard');
  });

  it('lays the states out apart, each transition with a path and a label', () => {
    const layout = layoutGraph(
      graph.states.map((s) => s.id),
      graph.edges.map((e) => ({ from: e.from, to: e.to, lines: e.transitions.map(transitionText) })),
    );
    expect(layout.nodes).toHaveLength(POSITION_STATES.length);
    for (const a of layout.nodes) {
      for (const b of layout.nodes) {
        if (a === b) continue;
        const apart = Math.abs(a.x - b.x) >= (a.w + b.w) / 2 || Math.abs(a.y - b.y) >= (a.h + b.h) / 2;
        expect(apart, `${a.id} and ${b.id} overlap`).toBe(true);
      }
    }
    expect(layout.edges).toHaveLength(graph.edges.length);
    for (const e of layout.edges) {
      expect(e.d).toMatch(/^M [\d.-]+ [\d.-]+( C [\d. -]+)+$/);
      expect(e.label.lines.length).toBeGreaterThan(0);
    }
    // Forward edges go down: pending is above verifying, closed below verifyingClosed.
    const y = (id: string) => layout.nodes.find((n) => n.id === id)?.y ?? 0;
    expect(y('pending')).toBeLessThan(y('verifying'));
    expect(y('verifyingClosed')).toBeLessThan(y('closed'));
    expect(layout.edges.some((e) => e.back)).toBe(true);
  });
});
