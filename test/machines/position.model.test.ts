/**
 * Model-based tests of the position machine: `xstate/graph` walks the machine under an
 * abstract venue alphabet (fills by stream, by order query or by REST; cancels; stale and
 * fresh flats; stop outcomes; closes; timeouts; restarts) and every path is replayed and held
 * to the invariants (see test/support/position-model.ts):
 *   (a) failed / closed / open / rollingBack are reached only on the evidence the rules require;
 *   (b) verifying and unknown never go to rollingBack;
 *   (c) every order but the entry is reduce-only, and a close is on the side opposite the venue's position;
 *   (d) the entry is never sent twice;
 *   (e) orphanAlert always comes with an alert.
 * Mutated machines show that the check bites.
 */
import { describe, expect, it } from 'vitest';
import { assign } from 'xstate';
import { toDirectedGraph } from 'xstate/graph';
import { isZero } from '../../src/domain/decimal.js';
import type { CloseReason } from '../../src/machines/position.context.js';
import { entryVerdict } from '../../src/machines/position.verdicts.js';
import { positionMachine } from '../../src/machines/position.machine.js';
import { positionSetup } from '../../src/machines/position.setup.js';
import { runModel, type ModelConfig, type ModelResult } from '../support/position-model.js';

/** Entries whose create reply already carries the fill are walked on their own (below), to keep each walk small. */
const FILLED_REPLY_START = ['SEND_ACCEPTED_FILLED'] as const;

const CONFIGS: readonly (readonly [string, ModelConfig])[] = [
  ['no stop', { stopLoss: undefined, protectionOnFailure: 'rollback', maxDepth: 4, exclude: FILLED_REPLY_START }],
  [
    'a stop, rollback on failure',
    { stopLoss: 0.21, protectionOnFailure: 'rollback', maxDepth: 4, exclude: FILLED_REPLY_START },
  ],
  [
    'a stop, alert on failure',
    { stopLoss: 0.21, protectionOnFailure: 'alert', maxDepth: 4, exclude: FILLED_REPLY_START },
  ],
  // Deeper, over the events that drive an accepted entry through protection, closing and verification.
  [
    'a stop, rollback on failure, an accepted entry to the end',
    {
      stopLoss: 0.21,
      protectionOnFailure: 'rollback',
      maxDepth: 6,
      startEvents: ['SEND_ACCEPTED'],
      exclude: [
        ...FILLED_REPLY_START,
        'ADOPT',
        'REST_EMPTY',
        'FEED_DOWN',
        'ORDER_FILLED',
        'ORDER_CANCELLED',
        'RESTART',
      ],
    },
  ],
];

const results = new Map<string, ModelResult>();

describe('model-based: every path of the position machine keeps the invariants', () => {
  it.each(CONFIGS)('with %s', (name, cfg) => {
    const r = runModel(positionMachine, cfg);
    results.set(name, r);
    console.info(
      `position model (${name}): ${r.paths} paths walked (up to ${r.longest} events) over ${r.vertices} vertices`,
    );
    expect(r.violations).toEqual([]);
    expect(r.paths).toBeGreaterThan(900);
  });

  it('the walks reach every top-level state of the machine definition', () => {
    const defined = toDirectedGraph(positionMachine).children.map((c) => c.stateNode.key);
    const reached = new Set([...results.values()].flatMap((r) => [...r.reached]));
    expect(defined.length).toBe(11);
    expect(defined.filter((s) => !reached.has(s))).toEqual([]);
  });

  // This walk found that a fill shown by the create reply was not recorded as evidence of a non-flat position, so a
  // stale REST flat closed it: [SEND_ACCEPTED_FILLED, STOP_REFUSED, REST_STALE_FLAT] ended closed at 43 long (fixed).
  it('with entries whose create reply already reports the fill', () => {
    const r = runModel(positionMachine, {
      stopLoss: 0.21,
      protectionOnFailure: 'rollback',
      maxDepth: 4,
      startEvents: FILLED_REPLY_START,
    });
    expect(r.violations).toEqual([]);
  });
});

describe('the model bites: mutated machines are caught', () => {
  const WALK: ModelConfig = {
    stopLoss: 0.21,
    protectionOnFailure: 'rollback',
    maxDepth: 3,
    exclude: FILLED_REPLY_START,
  };

  it('an entry called dead because the REST list shows no position (missing evidence taken as evidence)', () => {
    const mutant = positionMachine.provide({
      guards: {
        entryDead: ({ context }) =>
          entryVerdict(context).kind === 'dead' ||
          (entryVerdict(context).kind === 'none' &&
            context.attempts > 0 &&
            (context.live === undefined || isZero(context.live.size))),
      },
    });
    const r = runModel(mutant, WALK);
    expect(r.violations.some((v) => v.startsWith('(a) failed without'))).toBe(true);
  });

  it('a verification deadline that rolls back instead of going to unknown (the incident)', () => {
    const config = positionMachine.config;
    const states = config.states as Record<string, object>;
    const verifying = {
      ...states.verifying,
      after: {
        untilDeadline: {
          target: 'rollingBack',
          actions: assign({ closeRequested: 'protection-refused' as CloseReason }),
        },
      },
    };
    const mutant = positionSetup.createMachine({ ...config, states: { ...states, verifying } } as unknown as Parameters<
      typeof positionSetup.createMachine
    >[0]) as unknown as typeof positionMachine;
    const r = runModel(mutant, WALK);
    expect(r.violations.some((v) => v.startsWith('(b) verifying went to rollingBack'))).toBe(true);
  });

  it('a flat report taken as proof without the freshness rule', () => {
    const mutant = positionMachine.provide({
      guards: { flatProven: ({ context }) => context.live !== undefined && isZero(context.live.size) },
    });
    const r = runModel(mutant, {
      ...WALK,
      stopLoss: undefined,
      maxDepth: 4,
      startEvents: ['SEND_ACCEPTED', 'SEND_UNKNOWN'],
    });
    expect(r.violations.some((v) => v.startsWith('(a) closed without a flat report newer'))).toBe(true);
  });
});
