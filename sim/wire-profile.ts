/**
 * The wire profile of a scenario (see docs/architecture.md, Invariants): the scenario a seed
 * draws (`drawScenario`, the same generator and step kinds), every time in it scaled down by
 * `WIRE_SCALE` so that it runs in real time in seconds — on real Redis and the real ccxt over
 * the wire simulator (`wire-world.ts`) — and the guard's timing scaled with it (`WIRE_TIMING`),
 * with floors where real I/O needs them (a lease renewed over a real socket, a ccxt timeout).
 *
 * @example
 * const scenario = drawWireScenario(7); // endsAt between 6 and 15 s, profile 'wire'
 */
import type { FaultRule } from '../src/exchange/sim/faults.js';
import { SIM_TIMING, drawScenario, type DrawOptions, type Scenario, type Step } from './scenario.js';

/** Every time of a drawn scenario is multiplied by this on the wire. */
export const WIRE_SCALE = 0.1;

/** The timing of the guard on the wire (the in-process `SIM_TIMING` scaled, with floors for real I/O). */
export const WIRE_TIMING = {
  timeoutMs: 1_500,
  restLagMs: SIM_TIMING.restLagMs * WIRE_SCALE,
  orphanEveryMs: SIM_TIMING.orphanEveryMs * WIRE_SCALE,
  reconcileEveryMs: 4_000,
  leaseTtlMs: 2_000,
  unknownAlertAfterMs: SIM_TIMING.unknownAlertAfterMs * WIRE_SCALE,
} as const;

/**
 * The guard's timing beyond `SimTiming` that differs on the wire: the close verification's window
 * (10 s by default, as in-process, where the drain is 150 s) scaled like the rest, so that a close
 * the venue cannot show flat (another program holds the symbol too) is alerted within the drain.
 */
export function verificationOf(scenario: Scenario): { readonly closeVerifyWindowMs?: number } {
  return scenario.profile === 'wire' ? { closeVerifyWindowMs: 1_000 } : {};
}

/** The timing a scenario runs with: the wire's, or the deterministic world's. */
export type SimTiming = { readonly [K in keyof typeof SIM_TIMING]: number };

export function timingOf(scenario: Scenario): SimTiming {
  return scenario.profile === 'wire' ? WIRE_TIMING : SIM_TIMING;
}

const scaled = (ms: number): number => Math.round(ms * WIRE_SCALE);

function scaleRule(rule: FaultRule): FaultRule {
  const fault = { ...rule.fault } as Record<string, unknown>;
  for (const key of ['ms', 'holdMs', 'retryAfterMs', 'timeWindowMs'])
    if (typeof fault[key] === 'number') fault[key] = Math.max(1, scaled(fault[key]));
  return { ...rule, fault: fault as unknown as FaultRule['fault'] };
}

function scaleStep(step: Step): Step {
  const at = scaled(step.at);
  switch (step.kind) {
    case 'intent':
      return {
        ...step,
        at,
        ...(step.retryAfterMs === undefined ? {} : { retryAfterMs: Math.max(1, scaled(step.retryAfterMs)) }),
      };
    case 'fault':
      return {
        ...step,
        at,
        rule: scaleRule(step.rule),
        ...(step.forMs === undefined ? {} : { forMs: Math.max(1, scaled(step.forMs)) }),
      };
    default:
      return { ...step, at };
  }
}

/** `scenario` on the wire: every time scaled by `WIRE_SCALE`, the order of its steps kept. */
export function toWire(scenario: Scenario): Scenario {
  const steps = scenario.steps.map(scaleStep);
  return {
    ...scenario,
    profile: 'wire',
    steps,
    endsAt: Math.max(scaled(scenario.endsAt), ...steps.map((s) => s.at + 1)),
  };
}

/** The wire scenario of one seed. */
export function drawWireScenario(seed: number, options: DrawOptions = {}): Scenario {
  return toWire(drawScenario(seed, options));
}
